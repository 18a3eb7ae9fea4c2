using ScriptableNN.Tensors;

namespace ScriptableNN.NN;

/// <summary>
/// A learned tensor theta and its gradient dJ/dtheta. <see cref="Value"/> and <see cref="Grad"/>
/// may be re-pointed at views of one flat buffer (<see cref="Module.GetParameters"/>), so modules
/// always reach them through the parameter, never through a cached tensor.
/// </summary>
public sealed class Parameter
{
    /// <summary>Creates a parameter over <paramref name="value"/> with a zero gradient.</summary>
    public Parameter(string name, Tensor value, bool decay)
    {
        Name = name;
        Value = value;
        Grad = Tensor.Zeros(value.Shape.ToArray());
        Decay = decay;
    }

    /// <summary>Creates a parameter over a value and an existing gradient buffer of the same shape.</summary>
    public Parameter(string name, Tensor value, Tensor grad, bool decay)
    {
        if (value.Length != grad.Length) throw new ArgumentException($"Parameter {name}: gradient {grad.ShapeText} does not match value {value.ShapeText}.");
        Name = name;
        Value = value;
        Grad = grad;
        Decay = decay;
    }

    /// <summary>Name within its module ("weight", "bias", "slope", "centres").</summary>
    public string Name { get; }

    // A parameter's tensors keep their shape: the module's arithmetic relies on it, so a script's
    // resize (the Lua layer's Torch7 resize) refuses them.
    private Tensor _value = null!, _grad = null!;

    /// <summary>The current value.</summary>
    public Tensor Value { get => _value; internal set { _value = value; value.FixedShape = true; } }

    /// <summary>The accumulated gradient; accumulates until zeroed.</summary>
    public Tensor Grad { get => _grad; internal set { _grad = value; value.FixedShape = true; } }

    /// <summary>Whether weight decay and norm penalties apply (false for biases and PReLU slopes).</summary>
    public bool Decay { get; set; }

    /// <summary>Number of scalars.</summary>
    public int Length => Value.Length;

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {Value.ShapeText}";
}

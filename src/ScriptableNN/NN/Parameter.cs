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

    /// <summary>The current value.</summary>
    public Tensor Value { get; internal set; }

    /// <summary>The accumulated gradient; accumulates until zeroed.</summary>
    public Tensor Grad { get; internal set; }

    /// <summary>Whether weight decay and norm penalties apply (false for biases and PReLU slopes).</summary>
    public bool Decay { get; set; }

    /// <summary>Number of scalars.</summary>
    public int Length => Value.Length;

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {Value.ShapeText}";
}

using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.Lua;

/// <summary>
/// The one place class labels change their counting: scripts count classes from 1, as Torch7
/// does; the engine counts from 0. Every label that crosses the boundary, either way, passes here.
/// </summary>
internal static class ClassLabels
{
    /// <summary>Engine labels (0-based) as a script sees them: a new tensor, 1-based.</summary>
    public static Tensor ToScript(Tensor engine) => engine + 1f;

    /// <summary>One script label (1-based) as the engine's.</summary>
    public static float ToEngine(float script) => script - 1f;

    /// <summary>Script labels (1-based) into <paramref name="into"/> (reused when its length fits), 0-based.</summary>
    public static Tensor ToEngine(Tensor script, ref Tensor? into)
    {
        var d = Tensor.Reuse(ref into, script.Length);
        TP.Subtract(script.Span, 1f, d.Span);
        return d;
    }

    /// <summary>Script labels checked against <paramref name="classes"/> (each a whole number in 1..classes), as a new 0-based vector.</summary>
    public static Tensor ToEngineChecked(Tensor script, int classes, string what)
    {
        var t = script.Span;
        for (int i = 0; i < t.Length; i++)
            if (!(t[i] >= 1 && t[i] <= classes) || t[i] != MathF.Floor(t[i]))
                throw new ScriptError($"train: {what} label {t[i]} of example {i + 1} is outside the classes 1..{classes}");
        return script.Reshape(script.Length) - 1f;
    }
}

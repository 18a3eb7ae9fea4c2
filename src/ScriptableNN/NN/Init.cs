using System.Text.Json;
using System.Text.Json.Serialization;
using ScriptableNN.Tensors;

namespace ScriptableNN.NN;

/// <summary>How a layer's weights start.</summary>
public enum Init
{
    /// <summary>Torch7's and PyTorch's default: U(-1/sqrt(fanIn), 1/sqrt(fanIn)).</summary>
    Default,
    /// <summary>Glorot and Bengio: U(-a, a), a = sqrt(6 / (fanIn + fanOut)); for tanh and sigmoid units.</summary>
    XavierUniform,
    /// <summary>Glorot and Bengio: N(0, 2 / (fanIn + fanOut)).</summary>
    XavierNormal,
    /// <summary>He et al.: U(-a, a), a = sqrt(6 / fanIn); for ReLU units.</summary>
    HeUniform,
    /// <summary>He et al.: N(0, 2 / fanIn).</summary>
    HeNormal,
}

internal static class Initializer
{
    public static void Fill(Tensor w, Init init, int fanIn, int fanOut, Rng rng)
    {
        var s = w.Span;
        switch (init)
        {
            case Init.Default: Uniform(s, 1.0 / Math.Sqrt(fanIn), rng); break;
            case Init.XavierUniform: Uniform(s, Math.Sqrt(6.0 / (fanIn + fanOut)), rng); break;
            case Init.HeUniform: Uniform(s, Math.Sqrt(6.0 / fanIn), rng); break;
            case Init.XavierNormal: Normal(s, Math.Sqrt(2.0 / (fanIn + fanOut)), rng); break;
            case Init.HeNormal: Normal(s, Math.Sqrt(2.0 / fanIn), rng); break;
            default: throw new ArgumentOutOfRangeException(nameof(init), init, "unknown initialisation");
        }
    }

    private static void Uniform(Span<float> s, double a, Rng rng)
    {
        for (int i = 0; i < s.Length; i++) s[i] = (float)(a * (2 * rng.NextDouble() - 1));
    }

    private static void Normal(Span<float> s, double std, Rng rng)
    {
        for (int i = 0; i < s.Length; i++) s[i] = (float)(std * rng.NextNormal());
    }
}

/// <summary>
/// The names an initialisation goes by in settings and scripts: Keras' (glorot, he), PyTorch's
/// (xavier, kaiming), each with _uniform and _normal.
/// </summary>
public sealed class InitNames : JsonConverter<Init>
{
    /// <inheritdoc/>
    public override Init Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? s = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return s?.ToLowerInvariant() switch
        {
            "default" => Init.Default,
            "xavier" or "glorot" or "xavier_uniform" or "glorot_uniform" or "xavieruniform" => Init.XavierUniform,
            "xavier_normal" or "glorot_normal" or "xaviernormal" => Init.XavierNormal,
            "he" or "kaiming" or "he_uniform" or "kaiming_uniform" or "heuniform" => Init.HeUniform,
            "he_normal" or "kaiming_normal" or "henormal" => Init.HeNormal,
            _ => throw new JsonException($"unknown init '{s}' (default, xavier, xavier_normal, he, he_normal)"),
        };
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, Init value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value switch
        {
            Init.XavierUniform => "xavier", Init.XavierNormal => "xavier_normal",
            Init.HeUniform => "he", Init.HeNormal => "he_normal", _ => "default",
        });
}

using System.Text.Json.Nodes;
using ScriptableNN.Registry;

namespace ScriptableNN.Optim;

/// <summary>
/// A learning-rate schedule: the rate for an epoch from the base rate, after an optional linear
/// warm-up (the rate climbs from <see cref="WarmupStart"/> times the base to the base over
/// <see cref="WarmupEpochs"/> epochs, then the schedule proper starts at its own epoch 0).
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>Epochs of linear warm-up before the schedule proper.</summary>
    public int WarmupEpochs { get; init; }

    /// <summary>The fraction of the base rate the warm-up starts from.</summary>
    public float WarmupStart { get; init; } = 0.1f;

    /// <summary>The rate of the schedule proper at its <paramref name="epoch"/> (0-based).</summary>
    public abstract float At(int epoch, float baseRate);

    /// <summary>The rate at training epoch <paramref name="epoch"/> (0-based), warm-up included.</summary>
    public float Rate(int epoch, float baseRate)
    {
        if (epoch < WarmupEpochs) return baseRate * (WarmupStart + (1f - WarmupStart) * epoch / WarmupEpochs);
        return At(epoch - WarmupEpochs, baseRate);
    }

    /// <summary>Sets the optimizer's rate for <paramref name="epoch"/>.</summary>
    public void Apply(Optimizer optimizer, int epoch) => optimizer.LearningRate = Rate(epoch, optimizer.BaseLearningRate);

    private static readonly Dictionary<string, (SettingsSchema Schema, Func<object, LearningRateSchedule> New)> Kinds = new()
    {
        ["constant"] = Kind<ScheduleSettings>(k => new ConstantSchedule { WarmupEpochs = k.Warmup, WarmupStart = k.WarmupStart }),
        ["step"] = Kind<StepScheduleSettings>(k => new StepSchedule(k.StepSize, k.Gamma) { WarmupEpochs = k.Warmup, WarmupStart = k.WarmupStart }),
        ["exponential"] = Kind<ExponentialScheduleSettings>(k => new ExponentialSchedule(k.Gamma) { WarmupEpochs = k.Warmup, WarmupStart = k.WarmupStart }),
        ["cosine"] = Kind<CosineScheduleSettings>(k => new CosineSchedule(k.Period, k.MinRate) { WarmupEpochs = k.Warmup, WarmupStart = k.WarmupStart }),
    };

    private static (SettingsSchema, Func<object, LearningRateSchedule>) Kind<T>(Func<T, LearningRateSchedule> make) =>
        (new SettingsSchema(typeof(T), Array.Empty<string>()), s => make((T)s));

    /// <summary>The settings of the schedule called <paramref name="kind"/> (constant, step, exponential, cosine), or null.</summary>
    public static SettingsSchema? SchemaOf(string kind) => Kinds.TryGetValue(kind, out var k) ? k.Schema : null;

    /// <summary>The schedule called <paramref name="kind"/> with <paramref name="settings"/>.</summary>
    public static LearningRateSchedule Create(string kind, JsonObject settings)
    {
        if (!Kinds.TryGetValue(kind, out var k)) throw new ArgumentException($"schedule: unknown kind '{kind}' ({string.Join(", ", Kinds.Keys)}).");
        var s = k.Schema.Read(settings, $"schedule '{kind}'");
        if (((ScheduleSettings)s).Warmup < 0) throw new ArgumentException($"schedule '{kind}': warmup must not be negative.");
        return k.New(s);
    }
}

/// <summary>What every schedule takes: a linear warm-up.</summary>
public record ScheduleSettings
{
    /// <summary>Epochs of warm-up (0: none).</summary>
    public int Warmup { get; init; }
    /// <summary>The fraction of the base rate the warm-up starts from.</summary>
    public float WarmupStart { get; init; } = 0.1f;
}

/// <summary>Settings of <see cref="StepSchedule"/>.</summary>
public sealed record StepScheduleSettings : ScheduleSettings
{
    /// <summary>Epochs between reductions.</summary>
    public required int StepSize { get; init; }
    /// <summary>The factor of each reduction.</summary>
    public float Gamma { get; init; } = 0.1f;
}

/// <summary>Settings of <see cref="ExponentialSchedule"/>.</summary>
public sealed record ExponentialScheduleSettings : ScheduleSettings
{
    /// <summary>The factor per epoch.</summary>
    public required float Gamma { get; init; }
}

/// <summary>Settings of <see cref="CosineSchedule"/>.</summary>
public sealed record CosineScheduleSettings : ScheduleSettings
{
    /// <summary>Epochs from the base rate down to the minimum.</summary>
    public required int Period { get; init; }
    /// <summary>The rate at the end of the period.</summary>
    public float MinRate { get; init; }
}

/// <summary>The base rate throughout (with a warm-up, the warm-up alone).</summary>
public sealed class ConstantSchedule : LearningRateSchedule
{
    /// <inheritdoc/>
    public override float At(int epoch, float baseRate) => baseRate;
}

/// <summary>Multiplies the rate by gamma every <c>stepSize</c> epochs.</summary>
public sealed class StepSchedule(int stepSize, float gamma = 0.1f) : LearningRateSchedule
{
    /// <inheritdoc/>
    public override float At(int epoch, float baseRate) => baseRate * MathF.Pow(gamma, epoch / Math.Max(1, stepSize));
}

/// <summary>Multiplies the rate by gamma every epoch.</summary>
public sealed class ExponentialSchedule(float gamma) : LearningRateSchedule
{
    /// <inheritdoc/>
    public override float At(int epoch, float baseRate) => baseRate * MathF.Pow(gamma, epoch);
}

/// <summary>Cosine annealing from the base rate down to <c>minRate</c> over <c>period</c> epochs.</summary>
public sealed class CosineSchedule(int period, float minRate = 0f) : LearningRateSchedule
{
    /// <inheritdoc/>
    public override float At(int epoch, float baseRate)
    {
        float t = Math.Min(epoch, period) / (float)Math.Max(1, period);
        return minRate + 0.5f * (baseRate - minRate) * (1f + MathF.Cos(MathF.PI * t));
    }
}

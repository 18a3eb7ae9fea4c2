namespace ScriptableNN.Optim;

/// <summary>A learning-rate schedule: the rate for an epoch (or step), from the base rate.</summary>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate at <paramref name="epoch"/> (0-based).</summary>
    public abstract float At(int epoch, float baseRate);

    /// <summary>Sets the optimizer's rate for <paramref name="epoch"/>.</summary>
    public void Apply(Optimizer optimizer, int epoch) => optimizer.LearningRate = At(epoch, optimizer.BaseLearningRate);
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

using System.Text.Json.Nodes;
using ScriptableNN.IO;

namespace ScriptableNN.Training;

/// <summary>
/// Something the trainer calls after every epoch (Keras' callbacks). A callback that keeps
/// state between epochs saves it with the trainer, so a resumed run behaves as an unbroken one.
/// </summary>
public abstract class TrainingCallback
{
    /// <summary>After epoch <paramref name="stats"/>.Epoch of <paramref name="trainer"/>.</summary>
    public abstract void OnEpochEnd(Trainer trainer, EpochStats stats);

    /// <summary>The state to keep in a trainer checkpoint (null: none).</summary>
    public virtual JsonNode? SaveState() => null;

    /// <summary>Puts back what <see cref="SaveState"/> gave.</summary>
    public virtual void LoadState(JsonNode? state) { }

    /// <summary>
    /// The monitored figure of an epoch: "loss", "val_loss", "accuracy" or "val_accuracy"; a
    /// validation figure falls back to the training one when there is no validation data.
    /// Accuracies improve upwards, losses downwards.
    /// </summary>
    public static (double Value, bool HigherIsBetter) Monitored(EpochStats s, string monitor) => monitor switch
    {
        "loss" => (s.Loss, false),
        "val_loss" => (s.ValidationLoss ?? s.Loss, false),
        "accuracy" or "acc" => (s.Accuracy ?? throw NoAccuracy(monitor), true),
        "val_accuracy" or "val_acc" => (s.ValidationAccuracy ?? s.Accuracy ?? throw NoAccuracy(monitor), true),
        _ => throw new ArgumentException($"callback: unknown monitor '{monitor}' (loss, val_loss, accuracy, val_accuracy)."),
    };

    private static ArgumentException NoAccuracy(string monitor) =>
        new($"callback: monitor '{monitor}' needs accuracy measured (metrics = {{\"accuracy\"}}).");

    private protected static bool Improves(double value, double best, double minDelta, bool higher) =>
        higher ? value > best + minDelta : value < best - minDelta;
}

/// <summary>
/// Keras' ReduceLROnPlateau: when the monitored figure has not improved for
/// <see cref="Patience"/> epochs, the learning rate is multiplied by <see cref="Factor"/> (never
/// below <see cref="MinLearningRate"/>), then <see cref="Cooldown"/> epochs pass before watching again.
/// </summary>
public sealed class ReduceLROnPlateau : TrainingCallback
{
    /// <summary>The figure watched.</summary>
    public string Monitor { get; init; } = "val_loss";
    /// <summary>The factor applied to the rate.</summary>
    public float Factor { get; init; } = 0.1f;
    /// <summary>Epochs without improvement before reducing.</summary>
    public int Patience { get; init; } = 10;
    /// <summary>The least change that counts as an improvement.</summary>
    public double MinDelta { get; init; } = 1e-4;
    /// <summary>Epochs after a reduction before watching again.</summary>
    public int Cooldown { get; init; }
    /// <summary>The lowest rate.</summary>
    public float MinLearningRate { get; init; }

    private double _best = double.NaN;
    private int _wait, _cooldown;

    /// <inheritdoc/>
    public override void OnEpochEnd(Trainer trainer, EpochStats stats)
    {
        if (!(Factor > 0f && Factor < 1f)) throw new ArgumentException($"ReduceLROnPlateau: factor must be in (0, 1), got {Factor}.");
        var (value, higher) = Monitored(stats, Monitor);
        if (_cooldown > 0) { _cooldown--; _wait = 0; }
        if (double.IsNaN(_best) || Improves(value, _best, MinDelta, higher)) { _best = value; _wait = 0; return; }
        if (_cooldown > 0 || ++_wait < Patience) return;
        float base0 = trainer.Options.Optimizer.BaseLearningRate;
        trainer.LearningRateScale = Math.Max(trainer.LearningRateScale * Factor, MinLearningRate / base0);
        _wait = 0;
        _cooldown = Cooldown;
    }

    /// <inheritdoc/>
    public override JsonNode? SaveState() => new JsonObject { ["best"] = double.IsNaN(_best) ? null : _best, ["wait"] = _wait, ["cooldown"] = _cooldown };

    /// <inheritdoc/>
    public override void LoadState(JsonNode? state)
    {
        if (state is not JsonObject o) return;
        _best = o["best"] is JsonNode b ? (double)b : double.NaN;
        _wait = (int)(o["wait"] ?? 0);
        _cooldown = (int)(o["cooldown"] ?? 0);
    }
}

/// <summary>
/// Keras' ModelCheckpoint: saves the trainer (model, optimizer and training position) to
/// <see cref="Path"/> after every epoch, or, with <see cref="SaveBestOnly"/>, only after an
/// epoch that improved the monitored figure. Each save replaces the file atomically.
/// </summary>
public sealed class ModelCheckpoint : TrainingCallback
{
    /// <summary>Where to save.</summary>
    public required string Path { get; init; }
    /// <summary>The figure watched.</summary>
    public string Monitor { get; init; } = "val_loss";
    /// <summary>Save only improvements.</summary>
    public bool SaveBestOnly { get; init; } = true;

    private double _best = double.NaN;

    /// <summary>The epoch of the last save (0: none yet).</summary>
    public int SavedEpoch { get; private set; }

    /// <inheritdoc/>
    public override void OnEpochEnd(Trainer trainer, EpochStats stats)
    {
        var (value, higher) = Monitored(stats, Monitor);
        if (SaveBestOnly && !double.IsNaN(_best) && !Improves(value, _best, 0, higher)) return;
        _best = value;
        SavedEpoch = stats.Epoch;
        trainer.Save(Path);
    }

    /// <inheritdoc/>
    public override JsonNode? SaveState() => new JsonObject { ["best"] = double.IsNaN(_best) ? null : _best, ["savedEpoch"] = SavedEpoch };

    /// <inheritdoc/>
    public override void LoadState(JsonNode? state)
    {
        if (state is not JsonObject o) return;
        _best = o["best"] is JsonNode b ? (double)b : double.NaN;
        SavedEpoch = (int)(o["savedEpoch"] ?? 0);
    }
}

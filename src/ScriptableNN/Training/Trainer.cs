using ScriptableNN.Autograd;
using System.Text.Json.Nodes;
using ScriptableNN.Data;
using ScriptableNN.IO;
using ScriptableNN.Losses;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Tensors;

namespace ScriptableNN.Training;

/// <summary>What a <see cref="Trainer"/> trains, on what, and how long.</summary>
public sealed class TrainerOptions
{
    /// <summary>The network trained.</summary>
    public required Module Model { get; init; }
    /// <summary>The cost.</summary>
    public required Criterion Loss { get; init; }
    /// <summary>The update rule.</summary>
    public required Optimizer Optimizer { get; init; }
    /// <summary>The training examples.</summary>
    public required Dataset Data { get; init; }
    /// <summary>Held-out examples evaluated after every epoch.</summary>
    public Dataset? Validation { get; init; }
    /// <summary>Passes over the data when none is said.</summary>
    public const int DefaultEpochs = 10;
    /// <summary>Examples per minibatch when none is said.</summary>
    public const int DefaultBatchSize = 32;
    /// <summary>Passes over the data.</summary>
    public int Epochs { get; init; } = DefaultEpochs;
    /// <summary>Examples per minibatch (the last one of an epoch may be smaller).</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;
    /// <summary>Shuffle the examples every epoch.</summary>
    public bool Shuffle { get; init; } = true;
    /// <summary>Seed of the shuffling; the same seed gives the same batches.</summary>
    public ulong Seed { get; init; }
    /// <summary>Also measure classification accuracy.</summary>
    public bool Accuracy { get; init; }
    /// <summary>Stop when the monitored loss stops improving.</summary>
    public EarlyStopping? EarlyStopping { get; init; }
    /// <summary>Sets the learning rate at the start of each epoch.</summary>
    public LearningRateSchedule? Schedule { get; init; }
    /// <summary>L1/L2 penalties added to the cost, each over its own group of parameters.</summary>
    public IReadOnlyList<Penalty> Penalties { get; init; } = Array.Empty<Penalty>();
    /// <summary>Scale all gradients together so their joint norm is at most this (null: no clipping).</summary>
    public float? ClipNorm { get; init; }
    /// <summary>Limit every gradient element to plus or minus this (null: no clipping).</summary>
    public float? ClipValue { get; init; }
    /// <summary>Called after every epoch, in order (after early stopping has looked).</summary>
    public IReadOnlyList<TrainingCallback> Callbacks { get; init; } = Array.Empty<TrainingCallback>();
}

/// <summary>Stop when the monitored loss has not improved for <see cref="Patience"/> epochs.</summary>
public sealed class EarlyStopping
{
    /// <summary>"val_loss" (default; falls back to "loss" without validation data) or "loss".</summary>
    public string Monitor { get; init; } = "val_loss";
    /// <summary>Epochs without improvement before stopping.</summary>
    public int Patience { get; init; } = 5;
    /// <summary>The least decrease that counts as an improvement.</summary>
    public double MinDelta { get; init; }
    /// <summary>Put back the parameters of the best epoch when stopping.</summary>
    public bool RestoreBest { get; init; } = true;
}

/// <summary>One epoch's figures: the mean training loss over its batches, and validation when given.</summary>
public sealed record EpochStats(int Epoch, double Loss, double? Accuracy, double? ValidationLoss, double? ValidationAccuracy, long Steps);

/// <summary>Training stopped on bad numbers; names the epoch and step, and no update was applied.</summary>
public sealed class TrainingException : Exception
{
    /// <summary>With a message naming epoch and step.</summary>
    public TrainingException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// Minibatch training that can advance a few steps at a time (for hosts that train between
/// frames) or run to the end. The step sequence depends only on the options and the seed, so
/// stepping in slices gives the same result as one call.
/// </summary>
public sealed class Trainer
{
    private readonly TrainerOptions _o;
    private readonly Rng _rng;
    private readonly Tape _tape = new();
    private readonly bool _chain;
    private readonly Parameter[] _extra;
    private int[] _order;
    private int _cursor;
    private Tensor? _x, _y, _xTail, _yTail;
    private double _lossSum;
    private long _correct, _seen;
    private double _best = double.PositiveInfinity;
    private int _wait;
    private float[][]? _bestParams;

    /// <summary>A trainer at epoch 0; nothing runs until a step.</summary>
    public Trainer(TrainerOptions options)
    {
        if (options.BatchSize < 1) throw new ArgumentException($"Trainer: batch size must be at least 1, got {options.BatchSize}.");
        if (options.Epochs < 0) throw new ArgumentException($"Trainer: epochs must not be negative, got {options.Epochs}.");
        if (options.Data.Count == 0) throw new ArgumentException("Trainer: the data set is empty.");
        _o = options;
        _rng = new Rng(options.Seed);
        var own = new HashSet<Parameter>(options.Model.ParameterArray());
        _chain = options.Model is Sequential s && s.Children.All(c => c is not Sequential);
        _extra = options.Optimizer.Parameters.Where(p => !own.Contains(p)).ToArray();
        _order = new int[options.Data.Count];
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        StartEpoch();
    }

    /// <summary>Epochs completed.</summary>
    public int Epoch { get; private set; }

    /// <summary>The options the trainer runs with.</summary>
    public TrainerOptions Options => _o;

    /// <summary>Minibatch steps taken in all.</summary>
    public long Steps { get; private set; }

    /// <summary>All epochs asked for are done, or early stopping ended training.</summary>
    public bool Done { get; private set; }

    /// <summary>Whether early stopping ended training.</summary>
    public bool StoppedEarly { get; private set; }

    /// <summary>Figures of every completed epoch.</summary>
    public List<EpochStats> History { get; } = new();

    /// <summary>Called after each epoch.</summary>
    public Action<EpochStats>? EpochEnded { get; set; }

    /// <summary>Called after each step with the step count and the step's cost.</summary>
    public Action<long, double>? StepEnded { get; set; }

    /// <summary>Minibatches per epoch.</summary>
    public int StepsPerEpoch => (_o.Data.Count + _o.BatchSize - 1) / _o.BatchSize;

    /// <summary>
    /// A factor on the scheduled learning rate, lowered by <see cref="ReduceLROnPlateau"/>; it
    /// takes effect from the next epoch and is kept in trainer checkpoints.
    /// </summary>
    public float LearningRateScale { get; set; } = 1f;

    private void StartEpoch()
    {
        if (_o.Shuffle) _rng.Shuffle<int>(_order);
        _cursor = 0;
        _lossSum = 0; _correct = 0; _seen = 0;
        // The rate is set only when something governs it, so a host may set it by hand otherwise.
        if (_o.Schedule != null || LearningRateScale != 1f)
        {
            var opt = _o.Optimizer;
            opt.LearningRate = (_o.Schedule?.Rate(Epoch, opt.BaseLearningRate) ?? opt.BaseLearningRate) * LearningRateScale;
        }
        if (Epoch >= _o.Epochs) Done = true;
    }

    /// <summary>Takes up to <paramref name="maxSteps"/> minibatch steps; returns how many it took.</summary>
    public int Step(int maxSteps = 1)
    {
        int done = 0;
        while (done < maxSteps && !Done)
        {
            OneStep();
            done++;
        }
        return done;
    }

    /// <summary>Takes steps until <paramref name="budget"/> has passed (at least one step unless done).</summary>
    public int StepFor(TimeSpan budget)
    {
        long end = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        int done = 0;
        do
        {
            if (Done) break;
            OneStep();
            done++;
        } while (System.Diagnostics.Stopwatch.GetTimestamp() < end);
        return done;
    }

    /// <summary>Trains to the end and returns the history.</summary>
    public List<EpochStats> Fit()
    {
        while (!Done) OneStep();
        return History;
    }

    private void OneStep()
    {
        var data = _o.Data;
        int n = Math.Min(_o.BatchSize, data.Count - _cursor);
        var (x, y) = Buffers(n);
        data.Gather(_order.AsSpan(_cursor, n), x, y);
        // A chain reaches every one of its parameters, so backward writes their gradients and
        // nothing needs zeroing first; anything else the optimizer holds is zeroed.
        if (_chain) foreach (var p in _extra) p.Grad.Zero();
        else _o.Optimizer.ZeroGrad();
        Tensor loss;
        try
        {
            _tape.Resume();
            loss = _o.Loss.Loss(_o.Model.Forward(x), y);
        }
        catch (NonFiniteLossException e)
        {
            _tape.Stop();
            throw new TrainingException($"epoch {Epoch + 1}, step {_cursor / _o.BatchSize + 1}: {e.Message} Training stopped; no update was applied.", e);
        }
        _tape.Backward(loss, 1f, overwriteParameterGradients: _chain);
        double cost = loss[0];
        for (int i = 0; i < _o.Penalties.Count; i++) cost += _o.Penalties[i].Apply();
        if (_o.ClipValue is { } cv) GradClip.ByValue(_o.Optimizer.Parameters, cv);
        if (_o.ClipNorm is { } cn) GradClip.ByNorm(_o.Optimizer.Parameters, cn);
        _o.Optimizer.Step();
        Steps++;
        _lossSum += cost * n;
        StepEnded?.Invoke(Steps, cost);
        if (_o.Accuracy) _correct += Correct(_o.Model.Output!, y);
        _seen += n;
        _cursor += n;
        if (_cursor >= data.Count) EndEpoch();
    }

    private (Tensor X, Tensor Y) Buffers(int n)
    {
        var data = _o.Data;
        var yShape = data.Targets.Shape.ToArray();
        yShape[0] = n;
        if (n == _o.BatchSize)
        {
            if (_x == null) { _x = Tensor.Zeros(n, data.Features); _y = Tensor.Zeros(yShape); }
            return (_x, _y!);
        }
        if (_xTail == null || _xTail.Size(0) != n) { _xTail = Tensor.Zeros(n, data.Features); _yTail = Tensor.Zeros(yShape); }
        return (_xTail, _yTail!);
    }

    private void EndEpoch()
    {
        double loss = _lossSum / Math.Max(1, _seen);
        double? acc = _o.Accuracy ? (double)_correct / Math.Max(1, _seen) : null;
        double? vLoss = null, vAcc = null;
        if (_o.Validation != null)
        {
            var (l, a) = Evaluate(_o.Model, _o.Loss, _o.Validation, _o.BatchSize, _o.Accuracy);
            vLoss = l; vAcc = a;
        }
        Epoch++;
        var stats = new EpochStats(Epoch, loss, acc, vLoss, vAcc, Steps);
        History.Add(stats);
        EarlyStop(stats);
        for (int i = 0; i < _o.Callbacks.Count; i++) _o.Callbacks[i].OnEpochEnd(this, stats);
        EpochEnded?.Invoke(stats);
        if (!Done) StartEpoch();
    }

    private void EarlyStop(EpochStats s)
    {
        var es = _o.EarlyStopping;
        if (es == null) return;
        double value = es.Monitor == "loss" || s.ValidationLoss == null ? s.Loss : s.ValidationLoss.Value;
        if (value < _best - es.MinDelta)
        {
            _best = value;
            _wait = 0;
            if (es.RestoreBest) _bestParams = _o.Model.ParameterArray().Select(p => p.Value.ToArray()).ToArray();
        }
        else if (++_wait >= es.Patience)
        {
            Done = true;
            StoppedEarly = true;
            if (_bestParams != null)
            {
                var ps = _o.Model.ParameterArray();
                for (int i = 0; i < ps.Length; i++) _bestParams[i].CopyTo(ps[i].Value.Span);
            }
        }
    }

    // ---- saving and resuming --------------------------------------------------------------

    /// <summary>
    /// Saves the model, the optimizer and the training position (epoch, steps, the shuffled
    /// order and the generator, the schedule's place and rate scale, early stopping's and each
    /// callback's state, the history) as one checkpoint. A trainer made with the same options
    /// and <see cref="Resume"/>d from it continues exactly as this one would.
    /// </summary>
    public void Save(string path)
    {
        var state = new JsonObject
        {
            ["epoch"] = Epoch, ["steps"] = Steps, ["cursor"] = _cursor, ["done"] = Done, ["stoppedEarly"] = StoppedEarly,
            ["order"] = new JsonArray(_order.Select(i => (JsonNode)i).ToArray()),
            ["rng"] = new JsonArray(_rng.State.Select(w => (JsonNode)w.ToString()).ToArray()),
            ["lossSum"] = _lossSum, ["correct"] = _correct, ["seen"] = _seen,
            ["best"] = double.IsInfinity(_best) ? null : _best, ["wait"] = _wait,
            ["learningRateScale"] = LearningRateScale,
            ["callbacks"] = new JsonArray(_o.Callbacks.Select(c => c.SaveState()).ToArray()),
            ["history"] = new JsonArray(History.Select(h => (JsonNode)new JsonObject
            {
                ["epoch"] = h.Epoch, ["loss"] = h.Loss, ["accuracy"] = h.Accuracy, ["valLoss"] = h.ValidationLoss,
                ["valAccuracy"] = h.ValidationAccuracy, ["steps"] = h.Steps,
            }).ToArray()),
        };
        Checkpoint.Save(path, _o.Model, _o.Optimizer, new Dictionary<string, string> { ["trainer"] = state.ToJsonString() });
    }

    /// <summary>
    /// Continues from a checkpoint <see cref="Save"/> wrote: the parameters, the optimizer's state
    /// and the training position come back into this trainer's model and optimizer, which must
    /// have the same architecture and kind.
    /// </summary>
    public void Resume(string path)
    {
        var c = Checkpoint.Load(path);
        if (!c.Metadata.TryGetValue("trainer", out var text)) throw new InvalidDataException($"{path}: a model checkpoint without a trainer's position (saved by trainer:save?).");
        var mine = _o.Model.ParameterArray();
        var theirs = c.Model.ParameterArray();
        if (mine.Length != theirs.Length) throw new InvalidDataException($"{path}: the saved model has {theirs.Length} parameters, this trainer's has {mine.Length}.");
        for (int i = 0; i < mine.Length; i++)
        {
            if (!mine[i].Value.SameShape(theirs[i].Value))
                throw new InvalidDataException($"{path}: parameter {i + 1} ({mine[i].Name}) saved as {theirs[i].Value.ShapeText}, this model has {mine[i].Value.ShapeText}.");
            mine[i].Value.CopyFrom(theirs[i].Value);
        }
        var opt = _o.Optimizer;
        if (c.Optimizer is not { } saved || saved.GetType() != opt.GetType())
            throw new InvalidDataException($"{path}: saved with optimizer {c.Optimizer?.GetType().Name ?? "none"}, this trainer uses {opt.GetType().Name}.");
        opt.State.Step = saved.State.Step;
        opt.LearningRate = saved.LearningRate;
        opt.State.Buffers.Clear();
        opt.State.Buffers.AddRange(saved.State.Buffers);

        var s = JsonNode.Parse(text)!.AsObject();
        var order = s["order"]!.AsArray().Select(n => (int)n!).ToArray();
        if (order.Length != _order.Length) throw new InvalidDataException($"{path}: saved over {order.Length} examples, this trainer has {_order.Length}.");
        _order = order;
        Epoch = (int)s["epoch"]!; Steps = (long)s["steps"]!; _cursor = (int)s["cursor"]!;
        Done = (bool)s["done"]!; StoppedEarly = (bool)s["stoppedEarly"]!;
        _rng.State = s["rng"]!.AsArray().Select(n => ulong.Parse((string)n!)).ToArray();
        _lossSum = (double)s["lossSum"]!; _correct = (long)s["correct"]!; _seen = (long)s["seen"]!;
        _best = s["best"] is JsonNode b ? (double)b : double.PositiveInfinity;
        _wait = (int)s["wait"]!;
        LearningRateScale = (float)s["learningRateScale"]!;
        var cbs = s["callbacks"]!.AsArray();
        for (int i = 0; i < _o.Callbacks.Count && i < cbs.Count; i++) _o.Callbacks[i].LoadState(cbs[i]);
        History.Clear();
        foreach (var h in s["history"]!.AsArray())
            History.Add(new EpochStats((int)h!["epoch"]!, (double)h["loss"]!, (double?)h["accuracy"], (double?)h["valLoss"], (double?)h["valAccuracy"], (long)h["steps"]!));
        // Saved between epochs (from a callback): the next epoch starts now, as it would have.
        if (!Done && _cursor >= _o.Data.Count) StartEpoch();
    }

    /// <summary>Mean loss per example (and accuracy) of <paramref name="model"/> on <paramref name="data"/>, in evaluation mode.</summary>
    public static (double Loss, double? Accuracy) Evaluate(Module model, Criterion loss, Dataset data, int batchSize = 256, bool accuracy = true)
    {
        bool wasTraining = model.IsTraining;
        model.Evaluate();
        try
        {
            double sum = 0;
            long correct = 0;
            var all = new int[data.Count];
            for (int i = 0; i < all.Length; i++) all[i] = i;
            for (int start = 0; start < data.Count; start += batchSize)
            {
                int n = Math.Min(batchSize, data.Count - start);
                var sub = data.Subset(all.AsSpan(start, n));
                var output = model.Forward(sub.Inputs);
                sum += loss.Forward(output, sub.Targets) * n;
                if (accuracy) correct += Correct(output, sub.Targets);
            }
            return (sum / data.Count, accuracy ? (double)correct / data.Count : null);
        }
        finally
        {
            if (wasTraining) model.Training();
        }
    }

    /// <summary>
    /// Correct predictions in a batch: argmax against class indices, argmax against one-hot rows,
    /// or a 0.5 threshold for a single output (probabilities; logits are compared at 0 when
    /// any output is outside [0, 1]).
    /// </summary>
    public static long Correct(Tensor output, Tensor targets)
    {
        int rows = output.Rows, cols = output.Cols;
        var o = output.Span; var t = targets.Span;
        long correct = 0;
        bool classIndices = targets.Rank == 1 || (targets.Cols == 1 && cols > 1);
        if (cols == 1)
        {
            bool logits = false;
            for (int i = 0; i < rows; i++) if (o[i] < 0f || o[i] > 1f) { logits = true; break; }
            float cut = logits ? 0f : 0.5f;
            for (int i = 0; i < rows; i++) if ((o[i] > cut) == (t[i] > 0.5f)) correct++;
            return correct;
        }
        for (int i = 0; i < rows; i++)
        {
            int pred = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(o.Slice(i * cols, cols));
            int want = classIndices ? (int)t[i] : System.Numerics.Tensors.TensorPrimitives.IndexOfMax(t.Slice(i * cols, cols));
            if (pred == want) correct++;
        }
        return correct;
    }
}

using NUnit.Framework;
using ScriptableNN.Data;
using ScriptableNN.IO;
using ScriptableNN.Losses;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Tensors;
using ScriptableNN.Training;

namespace ScriptableNN.Tests;

[TestFixture]
public class TrainingTests
{
    private static (Sequential Net, Adam Opt) Model(ulong seed, int inputs = 2, int classes = 3)
    {
        var rng = new Rng(seed);
        var net = new Sequential(new Linear(inputs, 32, init: Init.HeNormal, rng: rng), new ReLU(), new Linear(32, 32, init: Init.HeNormal, rng: rng), new ReLU(), new Linear(32, classes, rng: rng));
        return (net, new Adam(net.Parameters(), new AdamConfig { LearningRate = 0.01f }));
    }

    [Test]
    public void FitLearnsSpiralsAndReportsHistory()
    {
        var data = Generators.Spirals(100, 3, 0.05f, new Rng(1));
        var (net, opt) = Model(2);
        var trainer = new Trainer(new TrainerOptions
        {
            Model = net, Loss = new CrossEntropyCriterion(), Optimizer = opt, Data = data,
            Epochs = 150, BatchSize = 32, Seed = 3, Accuracy = true,
        });
        var history = trainer.Fit();
        Assert.That(history.Count, Is.EqualTo(150));
        Assert.That(history[^1].Accuracy, Is.GreaterThan(0.95));
        Assert.That(history[^1].Loss, Is.LessThan(history[0].Loss));
        Assert.That(trainer.Steps, Is.EqualTo(150 * 10));
    }

    [Test]
    public void SteppingInSlicesGivesTheSameResultAsOneCall()
    {
        float[] Run(bool sliced)
        {
            var data = Generators.Moons(200, 0.1f, new Rng(4));
            var (net, opt) = Model(5, classes: 2);
            var t = new Trainer(new TrainerOptions { Model = net, Loss = new CrossEntropyCriterion(), Optimizer = opt, Data = data, Epochs = 5, BatchSize = 16, Seed = 6 });
            if (sliced) { while (!t.Done) t.Step(3); }
            else t.Fit();
            return net.ParameterArray().SelectMany(p => p.Value.ToArray()).ToArray();
        }
        Assert.That(Run(true), Is.EqualTo(Run(false)));
    }

    [Test]
    public void NaNLossStopsNamingEpochAndStepAndChangesNothing()
    {
        var data = Generators.Sine(64, 0.1f, new Rng(1));
        data.Inputs[40, 0] = float.NaN;
        var (net, opt) = Model(1, inputs: 1, classes: 1);
        var t = new Trainer(new TrainerOptions { Model = net, Loss = new MSECriterion(), Optimizer = opt, Data = data, Epochs = 3, BatchSize = 16, Shuffle = false });
        t.Step(2);
        var before = net.ParameterArray().SelectMany(p => p.Value.ToArray()).ToArray();
        var ex = Assert.Throws<TrainingException>(() => t.Fit());
        Assert.That(ex!.Message, Does.Contain("epoch 1, step 3").And.Contain("NaN"));
        Assert.That(net.ParameterArray().SelectMany(p => p.Value.ToArray()).ToArray(), Is.EqualTo(before));
    }

    [Test]
    public void EarlyStoppingStopsAndRestoresTheBestEpoch()
    {
        var data = Generators.Sine(128, 0.3f, new Rng(2));
        var (train, val) = data.Split(0.25, new Rng(3));
        var (net, opt) = Model(4, inputs: 1, classes: 1);
        var t = new Trainer(new TrainerOptions
        {
            Model = net, Loss = new MSECriterion(), Optimizer = opt, Data = train, Validation = val, Epochs = 500, BatchSize = 8,
            EarlyStopping = new EarlyStopping { Patience = 5 },
        });
        t.Fit();
        Assert.That(t.StoppedEarly, Is.True);
        Assert.That(t.Epoch, Is.LessThan(500));
        double best = t.History.Min(h => h.ValidationLoss!.Value);
        Assert.That(Trainer.Evaluate(net, new MSECriterion(), val).Loss, Is.EqualTo(best).Within(1e-5));
    }

    [Test]
    public void LabelsOutsideTheClassRangeAreNamed()
    {
        var d = new Dataset(Tensor.Zeros(3, 2), Tensor.FromArray(new float[] { 0, 4, 1 }));
        var ex = Assert.Throws<ArgumentException>(() => d.CheckClasses(3));
        Assert.That(ex!.Message, Does.Contain("label 4 of example 1"));
    }
}

[TestFixture]
public class CheckpointTests
{
    private string _dir = "";
    [SetUp] public void MakeDir() { _dir = Path.Combine(Path.GetTempPath(), "snn-ckpt-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
    [TearDown] public void RemoveDir() { Checkpoint.WrapWriteStream = null; Directory.Delete(_dir, true); }

    private static Sequential EveryModule()
    {
        var rng = new Rng(9);
        return new Sequential(new Linear(4, 6, rng: rng), new PReLU(6), new Maxout(6, 5, 3, rng: rng), new LeakyReLU(0.2f), new RBF(5, 4, 0.5f, rng),
            new HardTanh(-2, 2), new Linear(4, 3, bias: false, rng: rng), new Dropout(0.1f), new Tanh(), new SoftMax());
    }

    [Test]
    public void RoundTripGivesBitIdenticalOutputs()
    {
        var net = EveryModule().Evaluate();
        var x = Tensor.Uniform(new Rng(1), -1, 1, 7, 4);
        var expected = net.Forward(x).ToArray();
        var path = Path.Combine(_dir, "m.snn");
        Checkpoint.Save(path, net, metadata: new Dictionary<string, string> { ["note"] = "hello" });
        var loaded = Checkpoint.Load(path);
        loaded.Model.Evaluate();
        Assert.That(loaded.Model.Forward(x).ToArray(), Is.EqualTo(expected));
        Assert.That(loaded.Model.ToString(), Is.EqualTo(net.ToString()));
        Assert.That(loaded.Metadata["note"], Is.EqualTo("hello"));
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1), "no temporary file left behind");
    }

    [Test]
    public void OptimizerStateResumesTrainingExactly()
    {
        var x = Tensor.Uniform(new Rng(2), -1, 1, 16, 4);
        var y = Tensor.FromArray(Enumerable.Range(0, 16).Select(i => (float)(i % 3)).ToArray());
        var ce = new CrossEntropyCriterion();
        void Train(Module m, Optimizer o, int steps)
        {
            for (int i = 0; i < steps; i++) { o.ZeroGrad(); var out_ = m.Forward(x); ce.Forward(out_, y); m.Backward(x, ce.Backward(out_, y)); o.Step(); }
        }
        var rng = new Rng(3);
        var a = new Sequential(new Linear(4, 8, rng: rng), new Tanh(), new Linear(8, 3, rng: rng));
        var oa = new Adam(a.Parameters(), new AdamConfig { LearningRate = 0.05f, WeightDecay = 0.01f, Decoupled = true });
        Train(a, oa, 5);
        var path = Path.Combine(_dir, "o.snn");
        Checkpoint.Save(path, a, oa);
        Train(a, oa, 5);
        var loaded = Checkpoint.Load(path);
        Assert.That(loaded.Optimizer, Is.TypeOf<Adam>());
        Assert.That(loaded.Optimizer!.State.Step, Is.EqualTo(5));
        Train(loaded.Model, loaded.Optimizer, 5);
        Assert.That(loaded.Model.ParameterArray().SelectMany(p => p.Value.ToArray()), Is.EqualTo(a.ParameterArray().SelectMany(p => p.Value.ToArray())));
    }

    [Test]
    public void NewerTruncatedOrFlippedFilesGiveClearErrors()
    {
        var path = Path.Combine(_dir, "c.snn");
        Checkpoint.Save(path, new Sequential(new Linear(3, 2, rng: new Rng(1))));
        var good = File.ReadAllBytes(path);

        var newer = (byte[])good.Clone();
        newer[8] = 2;
        File.WriteAllBytes(path, newer);
        Assert.That(Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path))!.Message, Does.Contain("version 2 is newer"));

        File.WriteAllBytes(path, good.AsSpan(0, good.Length - 10).ToArray());
        Assert.That(Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path))!.Message, Does.Contain("truncated"));

        for (int pos = 20; pos < good.Length; pos += 17)
        {
            var flipped = (byte[])good.Clone();
            flipped[pos] ^= 0x10;
            File.WriteAllBytes(path, flipped);
            Assert.That(() => Checkpoint.Load(path), Throws.InstanceOf<InvalidDataException>().Or.InstanceOf<System.Text.Json.JsonException>(), $"byte {pos}");
        }
        File.WriteAllBytes(path, new byte[] { 1, 2, 3 });
        Assert.That(Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path))!.Message, Does.Contain("not a ScriptableNN checkpoint"));
    }

    private sealed class FailingStream(Stream inner, long failAfter) : Stream
    {
        private long _written;
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_written + buffer.Length > failAfter) throw new IOException("simulated crash during the write");
            inner.Write(buffer);
            _written += buffer.Length;
        }
        public override void Flush() => inner.Flush();
        public override bool CanRead => false; public override bool CanSeek => false; public override bool CanWrite => true;
        public override long Length => _written; public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override int Read(byte[] b, int o, int c) => throw new NotSupportedException();
        public override long Seek(long o, SeekOrigin s) => throw new NotSupportedException();
        public override void SetLength(long v) => throw new NotSupportedException();
    }

    [Test]
    public void AnInterruptedSaveKeepsThePreviousCheckpoint()
    {
        var path = Path.Combine(_dir, "keep.snn");
        var first = new Sequential(new Linear(50, 50, rng: new Rng(1)));
        Checkpoint.Save(path, first);
        var before = File.ReadAllBytes(path);
        var second = new Sequential(new Linear(50, 50, rng: new Rng(2)));
        foreach (long cut in new long[] { 0, 10, 200, 5000 })
        {
            Checkpoint.WrapWriteStream = s => new FailingStream(s, cut);
            Assert.Throws<IOException>(() => Checkpoint.Save(path, second));
            Checkpoint.WrapWriteStream = null;
            Assert.That(File.ReadAllBytes(path), Is.EqualTo(before), $"cut at {cut}");
            Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1), "the temporary file is removed");
        }
        Assert.That(Checkpoint.Load(path).Model.ParameterArray()[0].Value.ToArray(), Is.EqualTo(first.ParameterArray()[0].Value.ToArray()));
    }
}

using NUnit.Framework;
using ScriptableNN.Data;
using ScriptableNN.Inference;
using ScriptableNN.Kernels;
using ScriptableNN.Losses;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Tensors;
using ScriptableNN.Training;

namespace ScriptableNN.Tests;

/// <summary>
/// Training and inference on every GEMM kernel family this CPU can run, each forced in turn:
/// the same seeded run ends at the same loss and the same outputs within float tolerance
/// (the families sum in different orders and widths, so not bit for bit).
/// </summary>
[TestFixture]
public class KernelFamilyTests
{
    private GemmKernel _saved;

    [SetUp]
    public void Save() => _saved = Gemm.Kernel;

    [TearDown]
    public void Restore() => Gemm.Kernel = _saved;

    private static (double Loss, float[] Batch, float[] Single) TrainAndRun(GemmKernel kernel)
    {
        Gemm.Kernel = kernel;
        var rng = new Rng(11);
        var data = Generators.Spirals(60, 3, 0.05f, new Rng(5));
        var model = new Sequential(new Linear(2, 48, rng: rng), new ReLU(), new Linear(48, 300, rng: rng), new Tanh(), new Linear(300, 3, rng: rng));
        var trainer = new Trainer(new TrainerOptions
        {
            Model = model, Loss = new CrossEntropyCriterion(), Optimizer = new Adam(model.Parameters(), new AdamConfig { LearningRate = 0.01f }),
            Data = data, Epochs = 15, BatchSize = 30, Seed = 3,
        });
        trainer.Fit();
        var compiled = CompiledNetwork.Compile(model);
        var x = data.Inputs.ToArray();
        int rows = data.Count;
        var batch = new float[rows * 3];
        compiled.RunBatch(x, batch, rows);
        var single = new float[3];
        compiled.Run(x.AsSpan(0, 2), single);
        return (trainer.History[^1].Loss, batch, single);
    }

    private static IEnumerable<GemmKernel> Kernels()
    {
        for (var k = GemmKernel.Scalar; k <= Gemm.Detected; k++) yield return k;
    }

    [Test]
    public void EveryFamilyTrainsAndInfersAlike([ValueSource(nameof(Kernels))] GemmKernel kernel)
    {
        var reference = TrainAndRun(GemmKernel.Scalar);
        var r = TrainAndRun(kernel);
        Assert.That(r.Loss, Is.EqualTo(reference.Loss).Within(1e-3 * Math.Max(1, reference.Loss)), $"{kernel}: final loss");
        Assert.That(reference.Loss, Is.LessThan(0.8), "the run learns something");
        for (int i = 0; i < r.Batch.Length; i++)
            Assert.That(r.Batch[i], Is.EqualTo(reference.Batch[i]).Within(2e-3), $"{kernel}: batch output {i}");
        for (int i = 0; i < 3; i++)
            Assert.That(r.Single[i], Is.EqualTo(reference.Single[i]).Within(2e-3), $"{kernel}: single output {i}");
    }
}

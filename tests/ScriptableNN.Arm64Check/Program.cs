using System.Diagnostics;
using System.Runtime.InteropServices;
using ScriptableNN.Autograd;
using ScriptableNN.Diagnostics;
using ScriptableNN.IO;
using ScriptableNN.Kernels;
using ScriptableNN.Lua;
using ScriptableNN.NN;
using ScriptableNN.Tensors;

// ScriptableNN's portable checks, run on ARM64 under emulation by ARM64Tests (and runnable on
// any machine):
//   Arm64Check all <dir>        every check; writes <dir>/arm64.ckpt and <dir>/arm64.bits
//   Arm64Check write <dir> tag  writes <dir>/<tag>.ckpt and <dir>/<tag>.bits (the same network)
//   Arm64Check read <dir> tag   loads <dir>/<tag>.ckpt and compares its parameters with .bits
// Prints one line per check and exits 1 on any failure.

var sw = Stopwatch.StartNew();
int failures = 0;
void Check(string name, bool ok, string detail = "")
{
    Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {name}{(detail.Length > 0 ? ": " + detail : "")}");
    if (!ok) failures++;
}

string mode = args.Length > 0 ? args[0] : "all";
string dir = args.Length > 1 ? args[1] : Path.GetTempPath();
string tag = args.Length > 2 ? args[2] : RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
Console.WriteLine($"{RuntimeInformation.ProcessArchitecture}, GEMM kernel {Gemm.Detected}, Vector128 accelerated {System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated}");

if (mode == "write") { WriteCheckpoint(dir, tag); return 0; }
if (mode == "read") { ReadCheckpoint(dir, tag); return failures == 0 ? 0 : 1; }

// 1. The Lua XOR script: the hand-set network exactly, the learned one 4/4.
var output = new StringWriter();
using (var host = new LuaHost(new LuaHostOptions { Output = output }))
{
    host.RunFile(Path.Combine(AppContext.BaseDirectory, "xor.lua"), "1500");
}
Check("Lua XOR script", output.ToString().Contains("hand-set network: 0 1 1 0") && output.ToString().Contains("4/4 correct"), output.ToString().Replace("\n", " | "));

// 2. A gradient check of every unit.
var rng = new Rng(17);
var modules = new (string, Module)[]
{
    ("Linear", new Linear(5, 4, rng: rng)), ("Identity", new Identity()), ("ReLU", new ReLU()), ("LeakyReLU", new LeakyReLU(0.1f)),
    ("PReLU", new PReLU(5, 0.2f)), ("Abs", new Abs()), ("Maxout", new Maxout(5, 3, 4, rng: rng)), ("Sigmoid", new Sigmoid()),
    ("Tanh", new Tanh()), ("SoftPlus", new SoftPlus()), ("HardTanh", new HardTanh(-1.5f, 1.5f)), ("Cos", new Cos()),
    ("RBF", new RBF(5, 6, 0.7f, rng)), ("SoftMax", new SoftMax()), ("LogSoftMax", new LogSoftMax()),
    ("Sequential", new Sequential(new Linear(5, 7, rng: rng), new Tanh(), new Linear(7, 3, rng: rng), new LogSoftMax())),
};
var x = Tensor.Uniform(new Rng(5), -2f, 2f, 3, 5);
var xs = x.Span;
for (int i = 0; i < xs.Length; i++) if (MathF.Abs(xs[i]) < 0.1f) xs[i] = xs[i] < 0 ? -0.1f - xs[i] : 0.1f + xs[i];
foreach (var (name, m) in modules)
{
    var r = GradCheck.Module(m, x);
    Check($"gradient check {name}", r.MaxRelativeError < 1e-3, $"max relative error {r.MaxRelativeError:E2}");
}

// 3. A GEMM sweep: every form, edge sizes, blocks over k, against a double-precision reference.
var g = new Rng(3);
int gemmCases = 0, gemmBad = 0;
foreach (var (m, n, k) in new[] { (1, 1, 1), (7, 9, 13), (12, 8, 5), (13, 17, 300), (25, 33, 260), (37, 70, 530), (64, 64, 64) })
    foreach (bool ta in new[] { false, true })
        foreach (bool tb in new[] { false, true })
        {
            var a = Tensor.Uniform(g, -1, 1, m * k).ToArray();
            var b = Tensor.Uniform(g, -1, 1, k * n).ToArray();
            var c = new float[m * n];
            Gemm.Multiply(ta ? Transpose.Yes : Transpose.No, tb ? Transpose.Yes : Transpose.No, m, n, k, 1f, a, ta ? m : k, b, tb ? k : n, 0f, c, n);
            gemmCases++;
            for (int i = 0; i < m && gemmBad < 5; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += (double)(ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                    if (Math.Abs(c[i * n + j] - s) > 1e-5 * (k + 1)) { gemmBad++; break; }
                }
        }
Check($"GEMM sweep ({gemmCases} products, kernel {Gemm.Detected})", gemmBad == 0, gemmBad == 0 ? "" : $"{gemmBad} products off");

// 3b. A compiled network, one sample (the matrix-vector kernel's 128-bit path) and batches
// (the GEMM on weights packed once), against the modules' forward; tanh and sigmoid against
// double precision.
{
    var r = new Rng(8);
    var net = new Sequential(new Linear(37, 50, rng: r), new Tanh(), new Linear(50, 33, rng: r), new Sigmoid(), new Linear(33, 5, rng: r));
    var compiled = ScriptableNN.Inference.CompiledNetwork.Compile(net);
    var input = Tensor.Uniform(r, -2, 2, 20, 37);
    var expected = net.Forward(input).ToArray();
    var batch = new float[20 * 5];
    compiled.RunBatch(input.Span, batch, 20);
    var one = new float[5];
    double worst = 0;
    for (int i = 0; i < 20; i++)
    {
        compiled.Run(input.Select(i).Span, one);
        for (int j = 0; j < 5; j++) worst = Math.Max(worst, Math.Max(Math.Abs(one[j] - expected[i * 5 + j]), Math.Abs(batch[i * 5 + j] - expected[i * 5 + j])));
    }
    Check("compiled network, one sample and a batch", worst < 1e-4, $"largest difference {worst:E2}");
    var v = Tensor.Uniform(r, -12, 12, 999).ToArray();
    var t = new float[v.Length]; var sg = new float[v.Length];
    new TanhOp().Forward(v, t);
    new SigmoidOp().Forward(v, sg);
    double rel = 0;
    for (int i = 0; i < v.Length; i++)
    {
        rel = Math.Max(rel, Math.Abs(t[i] - Math.Tanh(v[i])) / Math.Abs(Math.Tanh(v[i])));
        double s = 1 / (1 + Math.Exp(-(double)v[i]));
        rel = Math.Max(rel, Math.Abs(sg[i] - s) / s);
    }
    Check("tanh and sigmoid", rel < 4e-7, $"largest relative error {rel:E2}");
}

// 4. Checkpoints: this machine's own, written and read back bit for bit.
WriteCheckpoint(dir, tag);
ReadCheckpoint(dir, tag);
Console.WriteLine($"{failures} failures in {sw.Elapsed.TotalSeconds:F1} s");
return failures == 0 ? 0 : 1;

// The same seeded network on every machine: a checkpoint of it, and its parameters' raw bits.
void WriteCheckpoint(string folder, string name)
{
    var r = new Rng(2026);
    var net = new Sequential(new Linear(6, 10, rng: r), new PReLU(10), new Maxout(10, 4, 3, rng: r), new RBF(4, 5, 0.5f, r), new Linear(5, 2, rng: r));
    var y = net.Forward(Tensor.Uniform(r, -1, 1, 4, 6));      // trained a little, so the values are not just the init's
    net.Backward(Tensor.Uniform(new Rng(9), -1, 1, 4, 6), y);
    net.UpdateParameters(0.1f);
    Checkpoint.Save(Path.Combine(folder, name + ".ckpt"), net);
    using var bits = new BinaryWriter(File.Create(Path.Combine(folder, name + ".bits")));
    foreach (var p in net.ParameterArray()) foreach (float v in p.Value.Span) bits.Write(BitConverter.SingleToInt32Bits(v));
}

void ReadCheckpoint(string folder, string name)
{
    var net = Checkpoint.Load(Path.Combine(folder, name + ".ckpt")).Model;
    using var bits = new BinaryReader(File.OpenRead(Path.Combine(folder, name + ".bits")));
    int n = 0, differ = 0;
    foreach (var p in net.ParameterArray())
        foreach (float v in p.Value.Span) { n++; if (BitConverter.SingleToInt32Bits(v) != bits.ReadInt32()) differ++; }
    Check($"checkpoint {name} loaded on {RuntimeInformation.ProcessArchitecture}", differ == 0, $"{n} parameters, {differ} differ");
}

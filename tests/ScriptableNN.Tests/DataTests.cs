using System.IO.Compression;
using NUnit.Framework;
using ScriptableNN.Data;
using ScriptableNN.Tensors;

namespace ScriptableNN.Tests;

[TestFixture]
public class DataTests
{
    private string _dir = "";

    [SetUp] public void MakeDir() { _dir = Path.Combine(Path.GetTempPath(), "snn-data-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
    [TearDown] public void RemoveDir() => Directory.Delete(_dir, true);

    [Test]
    public void GeneratorsAreSeededAndShaped()
    {
        var a = Generators.Spirals(50, 3, 0.1f, new Rng(1));
        var b = Generators.Spirals(50, 3, 0.1f, new Rng(1));
        Assert.That(a.Inputs.ToArray(), Is.EqualTo(b.Inputs.ToArray()));
        Assert.That(a.Count, Is.EqualTo(150));
        Assert.That(a.Targets.ToArray().Distinct().Count(), Is.EqualTo(3));
        Assert.That(Generators.Moons(100, 0.1f, new Rng(2)).Inputs.ShapeText, Is.EqualTo("[100, 2]"));
        var circles = Generators.Circles(200, 0f, 0.5f, new Rng(3));
        for (int i = 0; i < 200; i++)
        {
            float r = MathF.Sqrt(circles.Inputs[i, 0] * circles.Inputs[i, 0] + circles.Inputs[i, 1] * circles.Inputs[i, 1]);
            Assert.That(r, Is.EqualTo(circles.Targets[i] == 0 ? 1f : 0.5f).Within(1e-5));
        }
        var sine = Generators.Sine(1000, 0.1f, new Rng(4));
        double resid = 0;
        for (int i = 0; i < 1000; i++) { double d = sine.Targets[i] - Math.Sin(sine.Inputs[i]); resid += d * d; }
        Assert.That(resid / 1000, Is.EqualTo(0.01).Within(0.002));
        Assert.That(Generators.Xor().Targets.ToArray(), Is.EqualTo(new float[] { 0, 1, 1, 0 }));
    }

    [Test]
    public void SplitAndSubset()
    {
        var d = Generators.Moons(100, 0.1f, new Rng(5));
        var (train, val) = d.Split(0.2, new Rng(6));
        Assert.That(train.Count, Is.EqualTo(80));
        Assert.That(val.Count, Is.EqualTo(20));
        var all = train.Inputs.ToArray().Concat(val.Inputs.ToArray()).OrderBy(v => v);
        Assert.That(all, Is.EqualTo(d.Inputs.ToArray().OrderBy(v => v)));
    }

    [Test]
    public void ScalersKeepTheirStatistics()
    {
        var x = Tensor.FromRows(new float[] { 1, 10 }, new float[] { 3, 10 }, new float[] { 5, 10 });
        var s = Standardizer.Fit(x);
        var z = s.Transform(x);
        Assert.That(z.SumColumns().ToArray(), Is.EqualTo(new float[] { 0, 0 }).Within(1e-6));
        Assert.That(z[0, 0], Is.EqualTo(-2f / MathF.Sqrt(8f / 3)).Within(1e-5));
        Assert.That(s.Transform(Tensor.FromRows(new float[] { 3, 12 }))[0, 1], Is.EqualTo(2f));   // constant column: centred only
        var mm = MinMaxScaler.Fit(x);
        Assert.That(mm.Transform(x).ToArray(), Is.EqualTo(new float[] { 0, 0, 0.5f, 0, 1, 0 }));
        Assert.That(OneHot.Encode(Tensor.FromArray(new float[] { 2, 0 }), 3).ToArray(), Is.EqualTo(new float[] { 0, 0, 1, 1, 0, 0 }));
        Assert.Throws<ArgumentException>(() => OneHot.Encode(Tensor.FromArray(new float[] { 3 }), 3));
    }

    [Test]
    public void TheStandardizersStatisticsMatchADoubleSumOverManyBlocks()
    {
        // 2,000 rows (eight summing blocks), a large offset and a small spread: the float block
        // sums must not lose the spread.
        var rng = new Random(3);
        int n = 2000, f = 5;
        var x = Tensor.Zeros(n, f);
        for (int i = 0; i < n; i++) for (int j = 0; j < f; j++) x[i, j] = 1000f * j + (float)rng.NextDouble() * (j + 1);
        var s = Standardizer.Fit(x);
        for (int j = 0; j < f; j++)
        {
            double mean = 0, sq = 0;
            for (int i = 0; i < n; i++) mean += x[i, j];
            mean /= n;
            for (int i = 0; i < n; i++) sq += (x[i, j] - mean) * (x[i, j] - mean);
            double std = Math.Sqrt(sq / n);
            Assert.That(s.Mean[j], Is.EqualTo((float)mean).Within(1e-6 * Math.Max(1, Math.Abs(mean))), $"mean {j}");
            Assert.That(s.Std[j], Is.EqualTo(std).Within(2e-4 * std), $"std {j}");
        }
    }

    [Test]
    public void CsvWithCategoricalLabel()
    {
        var path = Path.Combine(_dir, "a.csv");
        File.WriteAllText(path, "x,y,kind\n1,2,cat\n3,4,dog\n\"5\",6,cat\n");
        var c = CsvLoader.Load(path, new CsvOptions { Label = "kind", Categorical = true });
        Assert.That(c.Data.Inputs.ToArray(), Is.EqualTo(new float[] { 1, 2, 3, 4, 5, 6 }));
        Assert.That(c.Data.Targets.ToArray(), Is.EqualTo(new float[] { 0, 1, 0 }));
        Assert.That(c.Classes, Is.EqualTo(new[] { "cat", "dog" }));
        var only = CsvLoader.Load(path, new CsvOptions { Features = new[] { "y" }, Label = "x" });
        Assert.That(only.Data.Inputs.ToArray(), Is.EqualTo(new float[] { 2, 4, 6 }));
        Assert.That(only.Data.Targets.ShapeText, Is.EqualTo("[3, 1]"));
    }

    [Test]
    public void MalformedCsvRowsNameTheLine()
    {
        var path = Path.Combine(_dir, "bad.csv");
        File.WriteAllText(path, "a,b,label\n1,2,0\n3,4\n");
        var ex = Assert.Throws<FormatException>(() => CsvLoader.Load(path));
        Assert.That(ex!.Message, Does.Contain("bad.csv:3").And.Contain("2 fields"));
        File.WriteAllText(path, "a,b,label\n1,2,0\n3,x4,1\n");
        ex = Assert.Throws<FormatException>(() => CsvLoader.Load(path));
        // File and line and the column's position, never the file's own text (a script could
        // otherwise read any file through the messages).
        Assert.That(ex!.Message, Does.Contain("bad.csv:3").And.Contain("column 2").And.Not.Contain("x4"));
        Assert.Throws<ArgumentException>(() => CsvLoader.Load(path, new CsvOptions { Label = "nope" }));
    }

    [Test]
    public void IdxRoundTripsPlainAndGzip()
    {
        var t = Tensor.FromArray(new float[] { 0, 1, 2, 255, 7, 9 }, 2, 3);
        var plain = Path.Combine(_dir, "t.idx");
        Idx.Write(plain, t, asBytes: true);
        Assert.That(Idx.Read(plain).ToArray(), Is.EqualTo(t.ToArray()));
        Assert.That(Idx.Read(plain).ShapeText, Is.EqualTo("[2, 3]"));
        var gz = plain + ".gz";
        using (var src = File.OpenRead(plain)) using (var dst = new GZipStream(File.Create(gz), CompressionLevel.Fastest)) src.CopyTo(dst);
        Assert.That(Idx.Read(gz).ToArray(), Is.EqualTo(t.ToArray()));
        var f = Path.Combine(_dir, "f.idx");
        Idx.Write(f, Tensor.FromArray(new float[] { 1.5f, -2.25f }), asBytes: false);
        Assert.That(Idx.Read(f).ToArray(), Is.EqualTo(new float[] { 1.5f, -2.25f }));
    }

    [Test]
    public void BadIdxFilesAreRejected()
    {
        var p = Path.Combine(_dir, "bad.idx");
        File.WriteAllBytes(p, new byte[] { 0x12, 0x34, 0x08, 0x01, 0, 0, 0, 1, 5 });
        Assert.That(Assert.Throws<InvalidDataException>(() => Idx.Read(p))!.Message, Does.Contain("magic"));
        File.WriteAllBytes(p, new byte[] { 0, 0, 0x08, 0x01, 0, 0, 0, 10, 1, 2, 3 });
        Assert.That(Assert.Throws<EndOfStreamException>(() => Idx.Read(p))!.Message, Does.Contain("ends early").And.Contain("3 of 10"));
    }
}

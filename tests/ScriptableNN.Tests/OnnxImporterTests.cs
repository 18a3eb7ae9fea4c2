using Google.Protobuf;
using NUnit.Framework;
using ScriptableNN.IO;
using ScriptableNN.IO.Onnx;
using ScriptableNN.NN;
using ScriptableNN.Tensors;

namespace ScriptableNN.Tests;

/// <summary>
/// ONNX files shaped as other exporters write them (PyTorch's MatMul + Add, Constant nodes,
/// Clip before and after opset 11, Flatten and Reshape, float16 and double weights), read into
/// modules; and the importer's refusals, each naming the node.
/// </summary>
public class OnnxImporterTests
{
    private sealed class Builder
    {
        public readonly GraphProto G = new() { Name = "g" };
        private int _n;
        public string Current = "x";
        public long Opset = 17;

        public Builder(params long[] inputDims)
        {
            var shape = new TensorShapeProto();
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
            foreach (var d in inputDims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
            G.Input.Add(new ValueInfoProto { Name = "x", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } });
        }

        public string Init(float[] v, params long[] dims)
        {
            var t = new TensorProto { Name = $"w{G.Initializer.Count}", DataType = 1 };
            t.Dims.Add(dims);
            t.FloatData.Add(v);
            G.Initializer.Add(t);
            return t.Name;
        }

        public string Const(TensorProto t)
        {
            string name = $"k{_n++}";
            var node = new NodeProto { OpType = "Constant" };
            node.Output.Add(name);
            node.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = t });
            G.Node.Add(node);
            return name;
        }

        public NodeProto Node(string op, params string[] extra)
        {
            var node = new NodeProto { OpType = op, Name = $"{op}_{_n}" };
            node.Input.Add(Current);
            node.Input.Add(extra);
            Current = $"v{_n++}";
            node.Output.Add(Current);
            G.Node.Add(node);
            return node;
        }

        public byte[] Bytes()
        {
            var g = G.Clone();
            g.Output.Add(new ValueInfoProto { Name = Current });
            var m = new ModelProto { IrVersion = 7, Graph = g };
            m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
            return m.ToByteArray();
        }
    }

    private static float[] Rand(Rng rng, int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

    [Test]
    public void PyTorchsMatMulPlusAddBecomesOneLinearWithItsBias()
    {
        var rng = new Rng(3);
        var b = new Builder(4);
        var w = Rand(rng, 4 * 3); var bias = Rand(rng, 3);
        b.Node("MatMul", b.Init(w, 4, 3));
        // PyTorch writes Add(bias, matmul): the data second.
        var add = new NodeProto { OpType = "Add", Name = "add" };
        add.Input.Add(b.Init(bias, 3)); add.Input.Add(b.Current);
        add.Output.Add("y"); b.G.Node.Add(add); b.Current = "y";
        b.Node("Relu");
        var net = OnnxImporter.Load(b.Bytes());
        Assert.That(net.Count, Is.EqualTo(2));
        var l = (Linear)net[0];
        Assert.That(l.In, Is.EqualTo(4)); Assert.That(l.Out, Is.EqualTo(3));
        var x = Tensor.FromArray(Rand(rng, 4)).Reshape(1, 4);
        var y = net.Forward(x);
        for (int o = 0; o < 3; o++)
        {
            float z = bias[o];
            for (int i = 0; i < 4; i++) z += x[0, i] * w[i * 3 + o];
            Assert.That(y[0, o], Is.EqualTo(Math.Max(0, z)).Within(1e-6));
        }
    }

    [Test]
    public void ClipReadsItsBoundsFromAttributesBeforeOpset11AndFromConstantsAfter()
    {
        var b9 = new Builder(2) { Opset = 9 };
        var clip = b9.Node("Clip");
        clip.Attribute.Add(new AttributeProto { Name = "min", F = -0.5f, Type = AttributeProto.Types.AttributeType.Float });
        clip.Attribute.Add(new AttributeProto { Name = "max", F = 2f, Type = AttributeProto.Types.AttributeType.Float });
        var h = (HardTanh)OnnxImporter.Load(b9.Bytes())[0];
        Assert.That((h.Min, h.Max), Is.EqualTo((-0.5f, 2f)));

        var b13 = new Builder(2) { Opset = 13 };
        var lo = new TensorProto { DataType = 1 }; lo.FloatData.Add(0f);
        var hi = new TensorProto { DataType = 1 }; hi.FloatData.Add(6f);
        string klo = b13.Const(lo), khi = b13.Const(hi);
        b13.Node("Clip", klo, khi);
        var relu6 = (HardTanh)OnnxImporter.Load(b13.Bytes())[0];
        Assert.That((relu6.Min, relu6.Max), Is.EqualTo((0f, 6f)));

        var bRelu = new Builder(2) { Opset = 13 };
        var zero = new TensorProto { DataType = 1 }; zero.FloatData.Add(0f);
        bRelu.Node("Clip", bRelu.Const(zero));
        var rect = OnnxImporter.Load(bRelu.Bytes());
        Assert.That(rect.Forward(Tensor.FromArray(new[] { -2f, 3e30f }).Reshape(1, 2)).ToArray(), Is.EqualTo(new[] { 0f, 3e30f }), "Clip(0, inf) rectifies");
    }

    [Test]
    public void FlattenOfAnImageBatchAndReshapeToVectorsAreTheDataAsItComes()
    {
        var rng = new Rng(4);
        var b = new Builder(1, 2, 2);
        b.Node("Flatten");
        var shape = new TensorProto { DataType = 7 }; shape.Dims.Add(2); shape.Int64Data.Add(new long[] { -1, 4 });
        b.Node("Reshape", b.Const(shape));
        var w = Rand(rng, 2 * 4);
        var gemm = b.Node("Gemm", b.Init(w, 2, 4));
        gemm.Attribute.Add(new AttributeProto { Name = "transB", I = 1, Type = AttributeProto.Types.AttributeType.Int });
        var soft = b.Node("Softmax");
        soft.Attribute.Add(new AttributeProto { Name = "axis", I = 1, Type = AttributeProto.Types.AttributeType.Int });
        var net = OnnxImporter.Load(b.Bytes());
        Assert.That(net.Count, Is.EqualTo(2));
        Assert.That(((Linear)net[0]).Weight.Value.ToArray(), Is.EqualTo(w), "transB: the weight is stored [out, in] already");
        Assert.That(((Linear)net[0]).Bias, Is.Null);
        Assert.That(net[1], Is.InstanceOf<SoftMax>());
    }

    [Test]
    public void Float16AndDoubleWeightsAreConverted()
    {
        var b = new Builder(2);
        var w16 = new TensorProto { Name = "w16", DataType = 10 };
        w16.Dims.Add(new long[] { 2, 2 });
        var raw = new byte[8];
        float[] values = { 0.5f, -1.25f, 2f, 0.125f };
        for (int i = 0; i < 4; i++) BitConverter.TryWriteBytes(raw.AsSpan(2 * i), BitConverter.HalfToUInt16Bits((Half)values[i]));
        w16.RawData = ByteString.CopyFrom(raw);
        b.G.Initializer.Add(w16);
        var bias = new TensorProto { Name = "b64", DataType = 11 };
        bias.Dims.Add(2); bias.DoubleData.Add(new[] { 0.25, -0.75 });
        b.G.Initializer.Add(bias);
        b.Node("Gemm", "w16", "b64");
        var l = (Linear)OnnxImporter.Load(b.Bytes())[0];
        Assert.That(l.Weight.Value.ToArray(), Is.EqualTo(new[] { 0.5f, 2f, -1.25f, 0.125f }), "Gemm without transB: [in, out] transposed into [out, in]");
        Assert.That(l.Bias!.Value.ToArray(), Is.EqualTo(new[] { 0.25f, -0.75f }));
    }

    [Test]
    public void RefusalsNameTheNodeAndTheOperator()
    {
        var b = new Builder(2);
        b.Node("Gemm", b.Init(new float[6], 2, 3));
        b.Node("Conv");
        var e = Assert.Throws<NotSupportedException>(() => OnnxImporter.Load(b.Bytes()));
        Assert.That(e!.Message, Does.Contain("node 2").And.Contain("Conv").And.Contain("not supported"));

        var wrong = new Builder(5);
        wrong.Node("Gemm", wrong.Init(new float[6], 2, 3));     // [in = 2, out = 3] after 5 features
        var w = Assert.Throws<InvalidDataException>(() => OnnxImporter.Load(wrong.Bytes()));
        Assert.That(w!.Message, Does.Contain("node 1").And.Contain("Gemm").And.Contain("takes 2 features, 5 flow in"));

        var branch = new Builder(2);
        branch.Node("Relu");
        var side = new NodeProto { OpType = "Tanh" }; side.Input.Add("x"); side.Output.Add("s"); branch.G.Node.Add(side);
        var nb = Assert.Throws<NotSupportedException>(() => OnnxImporter.Load(branch.Bytes()));
        Assert.That(nb!.Message, Does.Contain("node 2 (Tanh)").And.Contain("only chains"));

        var reshape = new Builder(4);
        var shape = new TensorProto { DataType = 7 }; shape.Dims.Add(2); shape.Int64Data.Add(new long[] { -1, 2 });
        reshape.Node("Reshape", reshape.Const(shape));
        Assert.That(Assert.Throws<NotSupportedException>(() => OnnxImporter.Load(reshape.Bytes()))!.Message, Does.Contain("reshape to [-1, 2]"));

        var forged = new Builder(2);
        var t = new TensorProto { Name = "big", DataType = 1 };
        t.Dims.Add(new long[] { 100000, 100000 }); t.FloatData.Add(1f);
        forged.G.Initializer.Add(t);
        forged.Node("MatMul", "big");
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(Assert.Throws<InvalidDataException>(() => OnnxImporter.Load(forged.Bytes()))!.Message, Does.Contain("holds 1 values, its shape needs 10000000000"));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(1 << 20));
        Assert.That(Assert.Throws<InvalidDataException>(() => OnnxImporter.Load(new byte[] { 0x0A, 0xFF, 0x01 }))!.Message, Does.Contain("not an ONNX model"));
    }

    // Every truncation of a small valid file, random byte flips and random appended fields: each
    // a clear error or a valid model; never another exception, never more than a bound tied to
    // the file's size.
    [Test]
    public void FuzzedFilesGiveAClearErrorOrAModel()
    {
        var rng = new Rng(9);
        var b = new Builder(3);
        b.Node("Gemm", b.Init(Rand(rng, 12), 4, 3), b.Init(Rand(rng, 4), 4)).Attribute.Add(new AttributeProto { Name = "transB", I = 1, Type = AttributeProto.Types.AttributeType.Int });
        b.Node("LeakyRelu");
        var clip = new TensorProto { DataType = 1 }; clip.FloatData.Add(1f);
        var neg = new TensorProto { DataType = 1 }; neg.FloatData.Add(-1f);
        b.Node("Clip", b.Const(neg), b.Const(clip));
        b.Node("Gemm", b.Init(Rand(rng, 8), 4, 2));
        b.Node("Softmax");
        var good = b.Bytes();
        Assert.That(OnnxImporter.Load(good).Count, Is.EqualTo(5));
        int models = 0, errors = 0;
        void Try(byte[] bytes)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try { OnnxImporter.Load(bytes); models++; }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException) { errors++; }
            long used = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.That(used, Is.LessThan(64L * bytes.Length + (1 << 20)), "allocation tied to the file's size");
        }
        for (int cut = 0; cut < good.Length; cut++) Try(good[..cut]);
        for (int k = 0; k < 4000; k++)
        {
            var bytes = (byte[])good.Clone();
            int flips = 1 + rng.NextInt(3);
            for (int f = 0; f < flips; f++) bytes[rng.NextInt(bytes.Length)] ^= (byte)(1 << rng.NextInt(8));
            Try(bytes);
        }
        for (int k = 0; k < 2000; k++)
        {
            // a random field (number, wire type, payload) appended to the model
            var extra = new byte[2 + rng.NextInt(12)];
            for (int i = 0; i < extra.Length; i++) extra[i] = (byte)rng.NextInt(256);
            Try(good.Concat(extra).ToArray());
        }
        TestContext.Out.WriteLine($"{models} models, {errors} clear errors");
        Assert.That(errors, Is.GreaterThan(0));
        Assert.That(models, Is.GreaterThan(0));
    }
}

using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using NUnit.Framework;
using ScriptableNN.Data;
using ScriptableNN.IO;
using ScriptableNN.NN;
using ScriptableNN.Tensors;

namespace ScriptableNN.Tests;

/// <summary>
/// Tiny files that declare huge sizes: every declared size is checked against the bytes there
/// before anything that large is allocated.
/// </summary>
[TestFixture]
public class ForgedFileTests
{
    private string _dir = "";

    [SetUp]
    public void MakeFolder() => _dir = Directory.CreateTempSubdirectory("snn-forged").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, true);

    // A checkpoint with its header rewritten and a valid checksum, as an attacker would make it.
    private string Forge(string header, long dataLength, int dataBytes)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var ms = new MemoryStream();
        ms.Write("SNNCKPT\x1A"u8);
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(b, 1); ms.Write(b[..4]);
        BinaryPrimitives.WriteInt32LittleEndian(b, json.Length); ms.Write(b[..4]);
        ms.Write(json);
        BinaryPrimitives.WriteInt64LittleEndian(b, dataLength); ms.Write(b);
        ms.Write(new byte[dataBytes]);
        var body = ms.ToArray();
        var path = Path.Combine(_dir, "forged.ckpt");
        File.WriteAllBytes(path, body.Concat(SHA256.HashData(body)).ToArray());
        return path;
    }

    [Test]
    public void ACheckpointDeclaringAHugeLayerIsRefusedBeforeAllocating()
    {
        var path = Forge("{\"format\":1,\"model\":{\"type\":\"Linear\",\"in\":20000,\"out\":20000,\"bias\":true},\"parameters\":[]}", 0, 0);
        Assert.That(new FileInfo(path).Length, Is.LessThan(400));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(e!.Message, Does.Contain("declares 400020000 parameters"));
        Assert.That(allocated, Is.LessThan(1 << 20), "nothing of the declared size was allocated");
    }

    [Test]
    public void ADataLengthPastTheFileGivesAClearMessage()
    {
        var path = Forge("{\"format\":1,\"model\":{\"type\":\"ReLU\"},\"parameters\":[]}", long.MaxValue - 100, 0);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        Assert.That(e!.Message, Does.Contain("truncated or corrupt"));
        Assert.That(e.Message, Does.Not.Contain("-9223"));
    }

    [TestCase("not json at all")]
    [TestCase("{\"format\":1}")]
    [TestCase("{\"format\":1,\"model\":{\"type\":\"Linear\",\"in\":-5,\"out\":2},\"parameters\":[]}")]
    [TestCase("{\"format\":1,\"model\":{\"type\":\"Linear\",\"in\":\"two\",\"out\":2},\"parameters\":[]}")]
    public void AMalformedHeaderIsInvalidData(string header)
    {
        var path = Forge(header, 0, 0);
        Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
    }

    [Test]
    public void ANetworkNestedAsDeepAsAllowedSavesAndLoads()
    {
        Module m = new Linear(2, 2);
        for (int i = 0; i < Sequential.MaxDepth; i++) m = new Sequential(m);
        var path = Path.Combine(_dir, "deep.ckpt");
        Checkpoint.Save(path, m);
        var back = Checkpoint.Load(path).Model;
        Assert.That(Sequential.NestingDepth(back), Is.EqualTo(Sequential.MaxDepth));
        var x = Tensor.FromArray(new float[] { 1, 2 }, 1, 2);
        Assert.That(back.Forward(x).ToArray(), Is.EqualTo(m.Forward(x).ToArray()));
        Assert.Throws<ArgumentException>(() => new Sequential(m), "one level more is refused when built");
    }

    [Test]
    public void TemporaryFilesOfAKilledSaveAreRemovedByTheNextSave()
    {
        var path = Path.Combine(_dir, "model.ckpt");
        var stale = Path.Combine(_dir, ".model.ckpt.tmp-deadbeef");
        File.WriteAllBytes(stale, new byte[1000]);
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddMinutes(-1));
        Checkpoint.Save(path, new Linear(2, 2));
        Assert.That(File.Exists(stale), Is.False);
        Assert.That(File.Exists(path));
    }

    [Test]
    public void AGzipIdxDeclaringMoreThanItCanHoldIsRefusedBeforeAllocating()
    {
        var path = Path.Combine(_dir, "bomb.idx.gz");
        using (var f = File.Create(path))
        using (var gz = new GZipStream(f, CompressionLevel.SmallestSize))
        {
            // 140 x 140 x 140 x 140 floats: 1.5 GB declared, and 1 MB of zeros behind it.
            gz.Write(new byte[] { 0, 0, 0x0D, 4 });
            Span<byte> d = stackalloc byte[4];
            for (int i = 0; i < 4; i++) { BinaryPrimitives.WriteInt32BigEndian(d, 140); gz.Write(d); }
            gz.Write(new byte[1 << 20]);
        }
        Assert.That(new FileInfo(path).Length, Is.LessThan(10_000));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(8 << 20));
        Assert.That(e!.Message, Does.Contain("more than the file can hold"));
    }

    [Test]
    public void AnIdxWhoseDimensionsOverflowIsRefused()
    {
        var path = Path.Combine(_dir, "wrap.idx");
        var bytes = new List<byte> { 0, 0, 0x08, 4 };
        for (int i = 0; i < 4; i++) bytes.AddRange(new byte[] { 0, 1, 0, 0 });      // 65536 each: 2^64 wraps to 0
        File.WriteAllBytes(path, bytes.ToArray());
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        Assert.That(e!.Message, Does.Contain("too large"));
    }

    [Test]
    public void AShapeWhoseProductWrapsIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(65536, 65536, 65536, 65536));
        Assert.That(e!.Message, Does.Contain("more than"));
    }
}

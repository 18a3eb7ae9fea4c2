using System.IO.Compression;
using System.Security.Cryptography;
using ScriptableNN.Data;
using ScriptableNN.IO;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Tensors;

namespace ScriptableNN.Fuzzing;

/// <summary>
/// Valid seed files, random mutations and a loader that reports anything but a clean data
/// error: shared by the CI test (FileFuzzTests) and the long-running harness (ScriptableNN.Fuzz).
/// </summary>
public static class FileFuzz
{
    /// <summary>The exceptions a loader may throw for a bad file: anything else is a bug.</summary>
    public static bool IsClean(Exception e) =>
        e is InvalidDataException or FormatException or EndOfStreamException or ArgumentException or FileNotFoundException;

    /// <summary>Seeds: a valid file of each kind.</summary>
    public static List<(string Kind, byte[] Bytes)> Seeds(string dir)
    {
        var seeds = new List<(string, byte[])>();
        var rng = new Rng(7);
        var model = new Sequential(new Linear(3, 4, rng: rng), new ReLU(), new Linear(4, 2, rng: rng), new SoftMax());
        var opt = new Adam(model.Parameters());
        model.Forward(Tensor.Uniform(rng, -1, 1, 5, 3));
        opt.Step();
        string p = Path.Combine(dir, "seed.ckpt");
        Checkpoint.Save(p, model, opt);
        seeds.Add(("ckpt", File.ReadAllBytes(p)));
        Checkpoint.Save(p, new Sequential(new Linear(2, 2, rng: rng), new PReLU(2), new Maxout(2, 2, 2, rng: rng), new RBF(2, 2, 1, rng)));
        seeds.Add(("ckpt", File.ReadAllBytes(p)));
        seeds.Add(("csv", "a,b,label\n1,2,x\n3,4,y\n5.5,-6,x\n\"7\",8,z\n"u8.ToArray()));
        string idx = Path.Combine(dir, "seed.idx");
        Idx.Write(idx, Tensor.Uniform(rng, 0, 255, 3, 4), asBytes: true);
        var plain = File.ReadAllBytes(idx);
        seeds.Add(("idx", plain));
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(plain);
        seeds.Add(("idx", ms.ToArray()));
        Idx.Write(idx, Tensor.Uniform(rng, -1, 1, 2, 2, 2), asBytes: false);
        seeds.Add(("idx", File.ReadAllBytes(idx)));
        return seeds;
    }

    /// <summary>One random mutation of <paramref name="b"/>: flips, overwrites, cuts, growth, a changed length field.</summary>
    public static byte[] Mutate(byte[] b, Random r)
    {
        var m = new List<byte>(b);
        int edits = 1 + r.Next(4);
        for (int e = 0; e < edits; e++)
        {
            int at = m.Count == 0 ? 0 : r.Next(m.Count);
            switch (r.Next(7))
            {
                case 0: if (m.Count > 0) m[at] ^= (byte)(1 << r.Next(8)); break;
                case 1: if (m.Count > 0) m[at] = (byte)r.Next(256); break;
                case 2: if (m.Count > 0) m[at] = r.Next(2) == 0 ? (byte)0 : (byte)0xFF; break;
                case 3: m.RemoveRange(at, m.Count - at); break;
                case 4: { var extra = new byte[r.Next(1, 64)]; r.NextBytes(extra); m.InsertRange(at, extra); break; }
                case 5: if (m.Count > at + 4) { var v = BitConverter.GetBytes(r.Next(4) switch { 0 => int.MaxValue, 1 => -1, 2 => 0, _ => r.Next() }); for (int i = 0; i < 4; i++) m[at + i] = v[i]; } break;
                case 6: if (m.Count > 1) m.RemoveAt(at); break;
            }
        }
        return m.ToArray();
    }

    // A checkpoint's last 32 bytes are the SHA-256 of everything before them.
    public static byte[] Rehash(byte[] b)
    {
        if (b.Length < 32) return b;
        var body = b.AsSpan(0, b.Length - 32);
        var hash = SHA256.HashData(body);
        var r = b.ToArray();
        hash.CopyTo(r, b.Length - 32);
        return r;
    }

    /// <summary>Loads one file of the given kind; returns a description of what went wrong, or null.</summary>
    public static string? LoadOne(string kind, string path)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            switch (kind)
            {
                case "ckpt": Checkpoint.Load(path); break;
                case "csv": CsvLoader.Load(path, new CsvOptions { Categorical = true }); break;
                default: Idx.Read(path); break;
            }
        }
        catch (Exception e) when (IsClean(e)) { }
        catch (Exception e) { return $"{kind}: {e.GetType().Name}: {e.Message}"; }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long limit = 64L << 20;
        return allocated > limit ? $"{kind}: allocated {allocated} bytes for a file of {new FileInfo(path).Length}" : null;
    }

}

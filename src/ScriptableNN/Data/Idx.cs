using System.Buffers.Binary;
using System.IO.Compression;
using ScriptableNN.Tensors;

namespace ScriptableNN.Data;

/// <summary>
/// IDX files, the format MNIST ships in: magic 0x0000, a type byte, a dimension count, the
/// dimensions (big-endian int32), then the values. Plain or gzip-compressed.
/// </summary>
public static class Idx
{
    // Deflate expands at most about 1032 to 1; a gzip file that declares more data than that
    // is refused before anything of that size is allocated.
    private const long MaxGzipRatio = 1100;

    /// <summary>
    /// Reads an IDX file into a float tensor; unsigned bytes keep their 0..255 values. The
    /// declared size is checked against the bytes the file can hold (and against
    /// <paramref name="maxBytes"/>) before it is allocated; gzip data is read in bounded chunks.
    /// </summary>
    public static Tensor Read(string path, long maxBytes = int.MaxValue)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file not found: {path}", path);
        using var file = File.OpenRead(path);
        Stream s = file;
        int b0 = file.ReadByte(), b1 = file.ReadByte();
        file.Position = 0;
        bool gzip = b0 == 0x1f && b1 == 0x8b;
        if (gzip) s = new GZipStream(file, CompressionMode.Decompress);
        try { return Read(s, path, Math.Min(maxBytes, gzip ? file.Length * MaxGzipRatio : file.Length), gzip); }
        finally { if (s != file) s.Dispose(); }
    }

    /// <summary>Reads an IDX stream; <paramref name="name"/> names it in errors.</summary>
    public static Tensor Read(Stream s, string name) => Read(s, name, int.MaxValue, true);

    private static Tensor Read(Stream s, string name, long maxBytes, bool chunked)
    {
        Span<byte> head = stackalloc byte[4];
        ReadExactly(s, head, name, "the header");
        if (head[0] != 0 || head[1] != 0)
            throw new InvalidDataException($"{name}: not an IDX file (bad magic: the first two bytes are not 00 00).");
        byte type = head[2];
        int rank = head[3];
        int size = type switch { 0x08 or 0x09 => 1, 0x0B => 2, 0x0C or 0x0D => 4, 0x0E => 8, _ => 0 };
        if (size == 0) throw new InvalidDataException($"{name}: unknown IDX element type 0x{type:X2}.");
        if (rank is < 1 or > 4) throw new InvalidDataException($"{name}: {rank} dimensions; 1 to 4 are supported.");
        var shape = new int[rank];
        Span<byte> dim = stackalloc byte[4];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            ReadExactly(s, dim, name, $"dimension {i + 1}");
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(dim);
            if (shape[i] < 0) throw new InvalidDataException($"{name}: dimension {i + 1} is negative ({shape[i]}).");
            count = Math.Min(count * shape[i], (long)int.MaxValue + 1);   // clamped: never wraps
        }
        if (count * size > int.MaxValue) throw new InvalidDataException($"{name}: the declared shape {Tensor.ShapeString(shape)} is too large.");
        if (count * size > maxBytes)
            throw new InvalidDataException($"{name}: the declared shape {Tensor.ShapeString(shape)} needs {count * size} bytes, more than the file can hold or the memory cap allows.");
        byte[] bytes;
        if (!chunked)
        {
            bytes = new byte[count * size];
            ReadExactly(s, bytes, name, $"{count} elements of {size} bytes");
        }
        else
        {
            // Compressed data: grow with what actually arrives, so a forged header costs nothing.
            using var buffer = new MemoryStream();
            var chunk = new byte[1 << 20];
            long want = count * size;
            while (buffer.Length < want)
            {
                int n = s.Read(chunk, 0, (int)Math.Min(chunk.Length, want - buffer.Length));
                if (n == 0) throw new EndOfStreamException($"{name}: file ends early while reading {count} elements of {size} bytes ({buffer.Length} of {want} bytes).");
                buffer.Write(chunk, 0, n);
            }
            bytes = buffer.GetBuffer();
        }
        var t = Tensor.Zeros(shape);
        var d = t.Span;
        if (type == 0x08)
        {
            // images: unsigned bytes widened in vectors
            System.Numerics.Tensors.TensorPrimitives.ConvertChecked<byte, float>(bytes.AsSpan(0, (int)count), d);
            return t;
        }
        for (int i = 0; i < count; i++)
        {
            var e = bytes.AsSpan(i * size, size);
            d[i] = type switch
            {
                0x08 => e[0],
                0x09 => (sbyte)e[0],
                0x0B => BinaryPrimitives.ReadInt16BigEndian(e),
                0x0C => BinaryPrimitives.ReadInt32BigEndian(e),
                0x0D => BinaryPrimitives.ReadSingleBigEndian(e),
                _ => (float)BinaryPrimitives.ReadDoubleBigEndian(e),
            };
        }
        return t;
    }

    private static void ReadExactly(Stream s, Span<byte> buffer, string name, string what)
    {
        int got = 0;
        while (got < buffer.Length)
        {
            int n = s.Read(buffer[got..]);
            if (n == 0) throw new EndOfStreamException($"{name}: file ends early while reading {what} ({got} of {buffer.Length} bytes).");
            got += n;
        }
    }

    /// <summary>Writes a tensor as an IDX file of unsigned bytes (0x08) or floats (0x0D).</summary>
    public static void Write(string path, Tensor t, bool asBytes)
    {
        using var f = File.Create(path);
        f.Write(new byte[] { 0, 0, (byte)(asBytes ? 0x08 : 0x0D), (byte)t.Rank });
        Span<byte> b = stackalloc byte[4];
        for (int i = 0; i < t.Rank; i++) { BinaryPrimitives.WriteInt32BigEndian(b, t.Size(i)); f.Write(b); }
        foreach (float v in t.Span)
        {
            if (asBytes) f.WriteByte((byte)Math.Clamp(v, 0, 255));
            else { BinaryPrimitives.WriteSingleBigEndian(b, v); f.Write(b); }
        }
    }
}

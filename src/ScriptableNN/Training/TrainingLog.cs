using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using Google.Protobuf;
using ScriptableNN.Training.TensorBoard;

namespace ScriptableNN.Training;

/// <summary>
/// A training run's history written as it happens into a folder: <c>history.csv</c> (one row per
/// epoch: every metric, the learning rate, the wall time) and a TensorBoard event file (the
/// tfevents record format: length, masked CRC-32C, an Event protobuf with scalar summaries, masked
/// CRC-32C), with each epoch's metrics and each step's loss. Files are appended and closed after
/// every epoch, so a crash loses at most the epoch under way.
/// </summary>
public sealed class TrainingLog
{
    /// <summary>The folder written.</summary>
    public string Directory { get; }
    /// <summary>The CSV history.</summary>
    public string CsvPath { get; }
    /// <summary>The TensorBoard event file.</summary>
    public string EventsPath { get; }

    private readonly List<byte[]> _pending = new();
    private readonly DateTime _start = DateTime.UtcNow;

    /// <summary>Starts a log in <paramref name="directory"/> (created if needed).</summary>
    public TrainingLog(string directory)
    {
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
        CsvPath = Path.Combine(Directory, "history.csv");
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        EventsPath = Path.Combine(Directory, $"events.out.tfevents.{now}.{Environment.MachineName}.scriptablenn");
        File.WriteAllText(CsvPath, "epoch,steps,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds\n");
        _pending.Add(Record(new Event { WallTime = Wall(), FileVersion = "brain.Event:2" }));
        Flush();
    }

    private static double Wall() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>The loss of one step (kept until the epoch ends).</summary>
    public void Step(long step, double loss) => _pending.Add(Scalar(step, ("step/loss", loss)));

    /// <summary>An epoch's figures: a CSV row and its scalars.</summary>
    public void Epoch(EpochStats s, float learningRate)
    {
        double seconds = (DateTime.UtcNow - _start).TotalSeconds;
        static string F(double? v) => v is { } x ? x.ToString("R", CultureInfo.InvariantCulture) : "";
        File.AppendAllText(CsvPath, string.Join(",", s.Epoch.ToString(CultureInfo.InvariantCulture), s.Steps.ToString(CultureInfo.InvariantCulture),
            F(s.Loss), F(s.Accuracy), F(s.ValidationLoss), F(s.ValidationAccuracy), F(learningRate), F(seconds)) + "\n");
        var values = new List<(string, double)> { ("epoch/loss", s.Loss), ("epoch/learning_rate", learningRate) };
        if (s.Accuracy is { } a) values.Add(("epoch/accuracy", a));
        if (s.ValidationLoss is { } vl) values.Add(("epoch/val_loss", vl));
        if (s.ValidationAccuracy is { } va) values.Add(("epoch/val_accuracy", va));
        _pending.Add(Scalar(s.Epoch, values.ToArray()));
        Flush();
    }

    private static byte[] Scalar(long step, params (string Tag, double Value)[] values)
    {
        var summary = new Summary();
        foreach (var (tag, value) in values) summary.Value.Add(new Summary.Types.Value { Tag = tag, SimpleValue = (float)value });
        return Record(new Event { WallTime = Wall(), Step = step, Summary = summary });
    }

    private void Flush()
    {
        using var f = new FileStream(EventsPath, FileMode.Append, FileAccess.Write);
        foreach (var r in _pending) f.Write(r);
        _pending.Clear();
    }

    // TFRecord framing: uint64 length, masked CRC-32C of the length, the data, masked CRC-32C of the data.
    private static byte[] Record(Event e)
    {
        var data = e.ToByteArray();
        var r = new byte[8 + 4 + data.Length + 4];
        BinaryPrimitives.WriteUInt64LittleEndian(r, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(8), MaskedCrc(r.AsSpan(0, 8)));
        data.CopyTo(r, 12);
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(12 + data.Length), MaskedCrc(data));
        return r;
    }

    /// <summary>CRC-32C (Castagnoli) of <paramref name="data"/>, rotated and offset as TFRecord stores it.</summary>
    public static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        crc ^= 0xFFFFFFFF;
        return ((crc >> 15) | (crc << 17)) + 0xA282EAD8;
    }
}

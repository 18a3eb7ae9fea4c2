using System.Buffers.Binary;
using System.Text;
using NUnit.Framework;
using ScriptableNN.Data;
using ScriptableNN.Losses;
using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Tensors;
using ScriptableNN.Training;
using ScriptableNN.Training.TensorBoard;

namespace ScriptableNN.Tests;

/// <summary>The training log: a CSV row per epoch, and TensorBoard records that parse back.</summary>
public class TrainingLogTests
{
    [Test]
    public void TheMaskedCrcIsTFRecordsOverCrc32C()
    {
        // CRC-32C's check value: "123456789" -> 0xE3069283; TFRecord stores it rotated right by 15 plus 0xa282ead8.
        uint crc = 0xE3069283;
        uint masked = ((crc >> 15) | (crc << 17)) + 0xA282EAD8;
        Assert.That(TrainingLog.MaskedCrc(Encoding.ASCII.GetBytes("123456789")), Is.EqualTo(masked));
    }

    [Test]
    public void TheEventFileParsesBackToEveryEpochsScalarsAndEveryStepsLoss()
    {
        var dir = Directory.CreateTempSubdirectory("snn-log").FullName;
        try
        {
            var rng = new Rng(1);
            var x = Tensor.Uniform(rng, -1, 1, 40, 2);
            var y = Tensor.FromArray(Enumerable.Range(0, 40).Select(i => (float)(i % 2)).ToArray());
            var net = new Sequential(new Linear(2, 4, rng: rng), new Tanh(), new Linear(4, 2, rng: rng));
            var t = new Trainer(new TrainerOptions
            {
                Model = net, Loss = new CrossEntropyCriterion(), Optimizer = new Sgd(net.Parameters(), new SgdConfig { LearningRate = 0.1f }),
                Data = new Dataset(x, y), Epochs = 3, BatchSize = 10, Accuracy = true,
            });
            var log = new TrainingLog(dir);
            t.StepEnded += log.Step;
            t.EpochEnded += s => log.Epoch(s, 0.1f);
            t.Fit();

            var bytes = File.ReadAllBytes(log.EventsPath);
            var events = new List<Event>();
            int pos = 0;
            while (pos < bytes.Length)
            {
                ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(pos));
                Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 8)), Is.EqualTo(TrainingLog.MaskedCrc(bytes.AsSpan(pos, 8))), "length CRC");
                var data = bytes.AsSpan(pos + 12, (int)length);
                Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 12 + (int)length)), Is.EqualTo(TrainingLog.MaskedCrc(data)), "data CRC");
                events.Add(Event.Parser.ParseFrom(data.ToArray()));
                pos += 16 + (int)length;
            }
            Assert.That(events[0].FileVersion, Is.EqualTo("brain.Event:2"));
            var steps = events.Where(e => e.Summary?.Value.Any(v => v.Tag == "step/loss") == true).ToList();
            Assert.That(steps.Select(e => e.Step), Is.EqualTo(Enumerable.Range(1, 12).Select(i => (long)i)), "4 steps an epoch, 3 epochs");
            var epochs = events.Where(e => e.Summary?.Value.Any(v => v.Tag == "epoch/loss") == true).ToList();
            Assert.That(epochs, Has.Count.EqualTo(3));
            for (int i = 0; i < 3; i++)
            {
                var v = epochs[i].Summary.Value.ToDictionary(s => s.Tag, s => s.SimpleValue);
                Assert.That(epochs[i].Step, Is.EqualTo(i + 1));
                Assert.That(v["epoch/loss"], Is.EqualTo((float)t.History[i].Loss));
                Assert.That(v["epoch/accuracy"], Is.EqualTo((float)t.History[i].Accuracy!.Value));
            }
            var rows = File.ReadAllLines(log.CsvPath);
            Assert.That(rows, Has.Length.EqualTo(4));
            Assert.That(double.Parse(rows[3].Split(',')[2], System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(t.History[2].Loss));
        }
        finally { Directory.Delete(dir, true); }
    }
}

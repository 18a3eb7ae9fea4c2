using System.Buffers.Binary;
using System.Text.Json.Nodes;
using ScriptableNN.Optim;
using ScriptableNN.Tensors;

namespace ScriptableNN.RL;

/// <summary>
/// The parts of an agent's state a model checkpoint does not hold, as JSON for its metadata: an
/// optimizer's step and buffers, loose parameters (PPO's log standard deviations), generators.
/// Floats travel as base64 of their little-endian bytes, so they come back bit for bit.
/// </summary>
internal static class AgentState
{
    public static JsonNode Floats(ReadOnlySpan<float> values)
    {
        var bytes = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return Convert.ToBase64String(bytes);
    }

    public static void Floats(JsonNode? node, Span<float> into, string what)
    {
        var bytes = Convert.FromBase64String((string?)node ?? throw new InvalidDataException($"checkpoint: {what} is missing."));
        if (bytes.Length != 4 * into.Length) throw new InvalidDataException($"checkpoint: {what} holds {bytes.Length / 4} values, this agent has {into.Length}.");
        for (int i = 0; i < into.Length; i++) into[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i));
    }

    public static JsonNode Rng(Rng rng) => new JsonArray(rng.State.Select(w => (JsonNode)w.ToString()).ToArray());

    public static void Rng(JsonNode? node, Rng rng) =>
        rng.State = (node ?? throw new InvalidDataException("checkpoint: the generator's state is missing.")).AsArray().Select(n => ulong.Parse((string)n!)).ToArray();

    public static JsonObject Optimizer(Optimizer o)
    {
        var slots = new JsonArray();
        foreach (var slot in o.State.Buffers)
            slots.Add(new JsonArray(slot.Select(t => t == null ? null : Floats(t.Span)).ToArray()));
        return new JsonObject { ["type"] = o.GetType().Name, ["step"] = o.State.Step, ["learningRate"] = o.LearningRate, ["buffers"] = slots };
    }

    public static void Optimizer(JsonNode? node, Optimizer o)
    {
        var j = node?.AsObject() ?? throw new InvalidDataException("checkpoint: the optimizer's state is missing.");
        if ((string?)j["type"] != o.GetType().Name) throw new InvalidDataException($"checkpoint: saved with optimizer {(string?)j["type"]}, this agent uses {o.GetType().Name}.");
        o.State.Step = (long)j["step"]!;
        o.LearningRate = (float)j["learningRate"]!;
        o.State.Buffers.Clear();
        foreach (var slot in j["buffers"]!.AsArray())
        {
            var arr = slot!.AsArray();
            if (arr.Count != o.Parameters.Count) throw new InvalidDataException($"checkpoint: optimizer state for {arr.Count} parameters, this agent has {o.Parameters.Count}.");
            var tensors = new Tensor?[arr.Count];
            for (int i = 0; i < arr.Count; i++)
            {
                if (arr[i] == null) continue;
                tensors[i] = Tensor.Zeros(o.Parameters[i].Value.Shape.ToArray());
                Floats(arr[i], tensors[i]!.Span, $"optimizer state of parameter {i + 1}");
            }
            o.State.Buffers.Add(tensors);
        }
    }
}

using ScriptableNN.NN;
using ScriptableNN.Optim;
using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.RL;

/// <summary>
/// The networks and optimizers the agents build when a script gives none, as Stable-Baselines3's
/// MlpPolicy builds them; and the normalising front a compiled policy gets. The one place the RL
/// code composes units, as Maxout composes a Linear.
/// </summary>
internal static class MlpPolicy
{
    /// <summary>Inputs, hidden layers of tanh (or ReLU) units, outputs.</summary>
    public static Sequential Mlp(int inputs, int outputs, int[] hidden, Rng? rng, bool relu = false)
    {
        var s = new Sequential();
        int w = inputs;
        foreach (int h in hidden)
        {
            s.Add(new Linear(w, h, rng: rng));
            s.Add(relu ? new ReLU() : new Tanh());
            w = h;
        }
        s.Add(new Linear(w, outputs, rng: rng));
        return s;
    }

    /// <summary>A policy and a value network of tanh units; the policy's last layer scaled to 1/100 (SB3 initialises it with gain 0.01), so the first policy is near uniform.</summary>
    public static (Module Policy, Module Value) ActorCritic(int inputs, int outputs, int[] hidden, Rng? rng)
    {
        var policy = Mlp(inputs, outputs, hidden, rng);
        var last = (Linear)policy.Children[^1];
        TP.Multiply(last.Weight.Value.Span, 0.01f, last.Weight.Value.Span);
        last.Bias!.Value.Zero();
        return (policy, Mlp(inputs, 1, hidden, rng));
    }

    /// <summary>Adam with the given step size and epsilon (SB3's PPO uses 1e-5, its DQN PyTorch's 1e-8).</summary>
    public static Optimizer Adam(IEnumerable<Parameter> parameters, float learningRate, float epsilon) =>
        new Adam(parameters, new AdamConfig { LearningRate = learningRate, Epsilon = epsilon });

    /// <summary>The normaliser's current scaling as a diagonal linear map and a clip, ahead of <paramref name="policy"/>.</summary>
    public static Module Normalizing(ObservationNormalizer n, Module policy)
    {
        int size = n.Size;
        var scale = new Linear(size, size);
        scale.Weight.Value.Zero();
        for (int j = 0; j < size; j++)
        {
            double sd = Math.Sqrt(n.Variance(j) + 1e-8);
            scale.Weight.Value[j, j] = (float)(1 / sd);
            scale.Bias!.Value[j] = (float)(-n.Mean(j) / sd);
        }
        return new Sequential(scale, new HardTanh(-n.Clip, n.Clip), policy);
    }
}

namespace ScriptableNN.Tensors;

/// <summary>
/// A seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64). Its own code,
/// not System.Random, so a seed gives the same stream on every runtime and version.
/// </summary>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;
    private float _spare;
    private bool _hasSpare;

    [ThreadStatic] private static Rng? _global;

    /// <summary>
    /// This thread's default generator (seed 0 until <see cref="ManualSeed"/>), used where no
    /// generator is passed, as Torch7's global generator is.
    /// </summary>
    public static Rng Global => _global ??= new Rng(0);

    /// <summary>Reseeds this thread's default generator (torch.manualSeed).</summary>
    public static void ManualSeed(ulong seed) => Global.Reseed(seed);

    /// <summary>Creates a generator whose whole stream is fixed by <paramref name="seed"/>.</summary>
    public Rng(ulong seed) => Reseed(seed);

    /// <summary>Restarts the stream as if newly created with <paramref name="seed"/>.</summary>
    public void Reseed(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
        _hasSpare = false;
    }

    /// <summary>The generator's position (its four state words), to save and restore a stream exactly.</summary>
    internal ulong[] State
    {
        get => new[] { _s0, _s1, _s2, _s3 };
        set { _s0 = value[0]; _s1 = value[1]; _s2 = value[2]; _s3 = value[3]; _hasSpare = false; }
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = RotL(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotL(_s3, 45);
        return result;
    }

    private static ulong RotL(ulong x, int k) => (x << k) | (x >> (64 - k));

    /// <summary>Uniform in [0, 1) with 24 random bits, the precision of a float.</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>
    /// Fills <paramref name="destination"/> with what as many <see cref="NextFloat"/> calls give,
    /// in order; the state stays in registers for the whole span (a call per value keeps
    /// writing it back to the heap).
    /// </summary>
    public void NextFloats(Span<float> destination)
    {
        ulong s0 = _s0, s1 = _s1, s2 = _s2, s3 = _s3;
        for (int i = 0; i < destination.Length; i++)
        {
            ulong result = RotL(s1 * 5, 7) * 9;
            ulong t = s1 << 17;
            s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3;
            s2 ^= t;
            s3 = RotL(s3, 45);
            destination[i] = (result >> 40) * (1f / (1 << 24));
        }
        _s0 = s0; _s1 = s1; _s2 = s2; _s3 = s3;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n), without modulo bias.</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "Rng.NextInt: the bound must be positive.");
        ulong bound = (ulong)n, threshold = (0UL - bound) % bound;
        while (true)
        {
            ulong r = NextUInt64();
            if (r >= threshold) return (int)(r % bound);
        }
    }

    /// <summary>Standard normal (Box-Muller, the second value kept for the next call).</summary>
    public float NextNormal()
    {
        if (_hasSpare) { _hasSpare = false; return _spare; }
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1)), th = 2.0 * Math.PI * u2;
        _spare = (float)(r * Math.Sin(th));
        _hasSpare = true;
        return (float)(r * Math.Cos(th));
    }

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher-Yates).</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}

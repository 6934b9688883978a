namespace Cac;

/// <summary>A seeded source of random numbers (uniform and normal), like torch.Generator.</summary>
public sealed class Generator
{
    private readonly Random _random;
    private double? _spareNormal;

    /// <summary>Creates a generator; the same seed gives the same sequence on every run and platform.</summary>
    public Generator(int seed)
    {
        Seed = seed;
        _random = new Random(seed);
    }

    /// <summary>
    /// The generator used when none is given (module initialisation, dropout), like PyTorch's global RNG.
    /// Reset it with <see cref="ManualSeed"/>.
    /// </summary>
    public static Generator Default { get; private set; } = new(0);

    /// <summary>Replaces <see cref="Default"/> with a generator seeded by <paramref name="seed"/> (torch.manual_seed).</summary>
    public static void ManualSeed(int seed) => Default = new Generator(seed);

    /// <summary>The seed this generator started from.</summary>
    public int Seed { get; }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => _random.NextDouble();

    /// <summary>Uniform integer in [0, maxExclusive).</summary>
    public int NextInt(int maxExclusive) => _random.Next(maxExclusive);

    /// <summary>A 64-bit value for seeding counter-based kernels (dropout).</summary>
    public ulong NextUInt64() => (ulong)_random.NextInt64() ^ ((ulong)_random.Next() << 63);

    /// <summary>Standard normal sample (Box-Muller, pairs cached).</summary>
    public double NextNormal()
    {
        if (_spareNormal is { } spare) { _spareNormal = null; return spare; }
        double u1 = 1.0 - _random.NextDouble(), u2 = _random.NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareNormal = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>A Fisher-Yates permutation of 0..n-1.</summary>
    public int[] Permutation(int n)
    {
        var p = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = _random.Next(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}

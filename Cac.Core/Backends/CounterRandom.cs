namespace Cac;

/// <summary>
/// Counter-based random numbers: the value for element i depends only on (seed, i), so any backend, any
/// thread layout and any device draws the same numbers. Every backend's dropout kernel uses exactly these
/// formulas: u_i = <see cref="Uniform"/>(seed, i); mask_i = u_i &lt; p ? 0 : 1 / (1 - p).
/// Written with plain integer arithmetic so that GPU kernels can call it too.
/// </summary>
public static class CounterRandom
{
    /// <summary>The splitmix64 finaliser (Steele, Lea and Flood): a bijective 64-bit mix.</summary>
    public static ulong SplitMix64(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) for element <paramref name="index"/>: the top 53 bits of splitmix64(seed + index), scaled by 2^-53.</summary>
    public static double Uniform(ulong seed, long index) => (SplitMix64(seed + (ulong)index) >> 11) * (1.0 / (1UL << 53));
}

namespace Cac.Data;

/// <summary>
/// Derives independent generator seeds from (seed, epoch, batch) with SplitMix64, so each epoch's
/// permutation and each batch's random draws depend only on those numbers, never on timing.
/// </summary>
public static class SeedMix
{
    private const long PermutationStream = 0x5045524D; // "PERM"
    private const long BatchStream = 0x42415443;       // "BATC"
    private const long AttackStream = 0x4154544B;      // "ATTK"

    /// <summary>The seed of epoch <paramref name="epoch"/>'s shuffle.</summary>
    public static int Permutation(int seed, int epoch) => Mix(PermutationStream, seed, epoch, 0);

    /// <summary>The seed of the generator used for batch <paramref name="batch"/> of epoch <paramref name="epoch"/>.</summary>
    public static int Batch(int seed, int epoch, int batch) => Mix(BatchStream, seed, epoch, batch);

    /// <summary>The seed of the adversarial attack's random start for batch <paramref name="batch"/> of an epoch (adversarial training).</summary>
    public static int Attack(int seed, int epoch, int batch) => Mix(AttackStream, seed, epoch, batch);

    private static int Mix(long stream, long a, long b, long c)
    {
        ulong h = SplitMix((ulong)stream);
        h = SplitMix(h ^ (ulong)a);
        h = SplitMix(h ^ (ulong)b);
        h = SplitMix(h ^ (ulong)c);
        // Non-negative: System.Random treats s and -s alike.
        return (int)(h >> 33);
    }

    private static ulong SplitMix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}

namespace Cac.Cpu.Kernels;

/// <summary>Splits a range of work over the cores in a few large chunks (no per-element overhead).</summary>
internal static class CpuParallel
{
    /// <summary>Items per chunk of an elementwise loop: smaller loops run on one core.</summary>
    public const long ElementwiseGrain = 1 << 15;

    /// <summary>
    /// Planes per chunk of a loop over (H, W) planes: a plane costs about H*W work, so a chunk holds a few thousand elements.
    /// </summary>
    public static long PlaneGrain(long planeSize) => Math.Max(1, 4096 / Math.Max(planeSize, 1));

    /// <summary>Runs body(start, end) over [0, n) in chunks of at least <paramref name="grain"/> items.</summary>
    public static void For(long n, long grain, Action<long, long> body)
    {
        if (n <= 0) return;
        int chunks = (int)Math.Min(Environment.ProcessorCount, Math.Max(1, n / Math.Max(grain, 1)));
        if (chunks == 1) { body(0, n); return; }
        Parallel.For(0, chunks, c => body(n * c / chunks, n * (c + 1) / chunks));
    }
}

namespace Cac;

// Random kernels. Counter-based (see CounterRandom): element i depends only on (seed, i).
public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public void DropoutMask(Storage mask, double p, ulong seed)
    {
        if (IsDouble(mask)) DropoutMask(Data<double>(mask), p, seed, 1.0 / (1.0 - p));
        else DropoutMask(Data<float>(mask), p, seed, (float)(1.0 / (1.0 - p)));
    }

    // mask[i] = Uniform(seed, i) < p ? 0 : 1 / (1 - p).
    private static void DropoutMask<T>(T[] mask, double p, ulong seed, T keep) where T : unmanaged =>
        CpuParallel.For(mask.LongLength, ElementwiseGrain, (start, end) =>
        {
            for (long i = start; i < end; i++) mask[i] = CounterRandom.Uniform(seed, i) < p ? default : keep;
        });
}

using System.Numerics;

namespace Cac.Cpu.Kernels;

// The dropout mask, mask: (n): mask[i] = 0 with probability p, else 1 / (1 - p). Counter-based (see CounterRandom):
// element i depends only on (seed, i), so the mask does not depend on the split over cores.
// GPU twin: Cac.Gpu/Kernels/DropoutKernel.cs.
// Checked against: Cac.Tests/Core/DropoutTests.cs.
internal static class DropoutKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // mask[i] = Uniform(seed, i) < p ? 0 : 1 / (1 - p).
    public static void DropoutMask(T[] mask, double p, ulong seed, T keep) =>
        CpuParallel.For(mask.LongLength, CpuParallel.ElementwiseGrain, (start, end) =>
        {
            for (long i = start; i < end; i++) mask[i] = CounterRandom.Uniform(seed, i) < p ? default : keep;
        });
}

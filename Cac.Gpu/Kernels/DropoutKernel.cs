using ILGPU;

namespace Cac.Gpu.Kernels;

// Dropout mask with the counter-based generator of Cac.Core/Backends/CounterRandom.cs, so masks match the
// CPU backend bit for bit: u_i = (splitmix64(seed + i) >> 11) * 2^-53; mask_i = u_i < p ? 0 : keep.
// The comparison runs in integers: u_i < p  <=>  (splitmix64(seed + i) >> 11) < threshold = ceil(p * 2^53).
// CPU twin: Cac.Core/Cpu/Kernels/DropoutKernel.cs.
internal static class DropoutKernel
{
    public static void Mask(Index1D index, ArrayView<float> mask, ulong seed, ulong threshold, float keep, int n, int stride)
    {
        for (int i = index; i < n; i += stride)
            mask[i] = (CounterRandom.SplitMix64(seed + (ulong)i) >> 11) < threshold ? 0f : keep;
    }
}

using System.Numerics;
using System.Runtime.CompilerServices;

namespace Cac.Cpu.Kernels;

// The stable sharp/smooth partition of CAC (IBackend.CacPartition): score (count) -> order (count), Int32.
// GPU twin: Cac.Gpu/Kernels/CacPartitionKernels.cs.
// Reference: Cac.Core/Cpu/Reference/CacLayerReference.cs.
// Checked against: Cac.Tests/ContentAware/CacSparseKernelTests.cs.
internal static class CacPartitionKernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // order: sharp indices ascending, then smooth indices ascending. Returns the sharp count. Branch-free (a random
    // mask would mispredict every other branch): the write slot and the cursor steps are selected arithmetically.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Partition(T[] score, long count, int[] order)
    {
        int n = (int)count;
        var s = score.AsSpan(0, n);
        int sharp = 0;
        for (int i = 0; i < s.Length; i++) sharp += s[i] > T.Zero ? 1 : 0;
        var o = order.AsSpan(0, n);
        int a = 0, f = sharp;
        for (int i = 0; i < s.Length; i++)
        {
            int isSharp = s[i] > T.Zero ? 1 : 0;
            int at = f + ((a - f) & -isSharp);
            o[at] = i;
            a += isSharp;
            f += 1 - isSharp;
        }
        return sharp;
    }
}

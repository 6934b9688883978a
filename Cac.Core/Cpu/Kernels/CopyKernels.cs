namespace Cac.Cpu.Kernels;

// Memory kernels of any element type (float, double, Int32): strided block copies (concat, narrow) and axis permutes.
// GPU twin: Cac.Gpu/Kernels/CopyKernels.cs (the permute: ElementwiseKernels.Permute there).
// Checked against: Cac.Tests/Core/ConcatTests.cs, Cac.Tests/Core/ReduceAndShapeGradTests.cs.
internal static class CopyKernels
{
    // For o in [0, outer): dst[dstOffset + o * dstStride ..][..block] = src[srcOffset + o * srcStride ..][..block].
    public static void CopyBlocks<T>(T[] src, long srcOffset, long srcStride, T[] dst, long dstOffset, long dstStride, long outer, long block)
    {
        for (long o = 0; o < outer; o++)
            Array.Copy(src, srcOffset + o * srcStride, dst, dstOffset + o * dstStride, block);
    }

    // y[j0, j1, ...] = x[...] where y axis i is x axis perm[i]. Innermost y axis copied in a strided loop.
    public static void Permute<T>(T[] x, int[] xShape, int[] perm, T[] y)
    {
        int rank = xShape.Length;
        if (rank == 0) { y[0] = x[0]; return; }
        var xStrides = Cac.Shape.Strides(xShape);
        var yShape = perm.Select(p => xShape[p]).ToArray();
        var srcStrides = perm.Select(p => xStrides[p]).ToArray();
        int inner = yShape[^1];
        long innerStride = srcStrides[^1];
        long rows = inner == 0 ? 0 : y.LongLength / inner;
        CpuParallel.For(rows, Math.Max(1, CpuParallel.ElementwiseGrain / Math.Max(inner, 1)), (rowStart, rowEnd) =>
        {
            for (long row = rowStart; row < rowEnd; row++)
            {
                long src = 0, rest = row;
                for (int d = rank - 2; d >= 0; d--)
                {
                    src += rest % yShape[d] * srcStrides[d];
                    rest /= yShape[d];
                }
                long dst = row * inner;
                for (int i = 0; i < inner; i++) y[dst + i] = x[src + i * innerStride];
            }
        });
    }
}

using ILGPU;

namespace Cac.Gpu.Kernels;

// Memory kernels: strided block copies (concat, narrow) and fills. Grid-stride loops over n elements.
// CPU twin: Cac.Core/Cpu/Kernels/CopyKernels.cs (the fill: CpuBackend.Fill in Cac.Core/Cpu/CpuBackend.cs).
internal static class CopyKernels
{
    // For e in [0, outer * block): o = e / block, j = e % block; dst[o * dstStride + j] = src[o * srcStride + j].
    // src and dst are already offset to their first block.
    public static void CopyBlocks<T>(Index1D index, ArrayView<T> src, int srcStride, ArrayView<T> dst, int dstStride, int block, int n, int stride)
        where T : unmanaged
    {
        for (int e = index; e < n; e += stride)
        {
            int o = e / block, j = e - o * block;
            dst[o * dstStride + j] = src[o * srcStride + j];
        }
    }

    // y[i] = value.
    public static void Fill<T>(Index1D index, ArrayView<T> y, T value, int n, int stride) where T : unmanaged
    {
        for (int i = index; i < n; i += stride) y[i] = value;
    }
}

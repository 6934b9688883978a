using ILGPU;
using ILGPU.Runtime;
using Cac.Gpu.Kernels;

namespace Cac.Gpu;

// Copies, fills and casts.
public sealed partial class GpuBackend
{
    private Action<Index1D, ArrayView<float>, int, ArrayView<float>, int, int, int, int>? _copyBlocksF;
    private Action<Index1D, ArrayView<int>, int, ArrayView<int>, int, int, int, int>? _copyBlocksI;
    private Action<Index1D, ArrayView<float>, float, int, int>? _fillF;
    private Action<Index1D, ArrayView<int>, int, int, int>? _fillI;

    /// <inheritdoc />
    public void Copy(Storage src, long srcOffset, Storage dst, long dstOffset, long count)
    {
        if (count == 0) return;
        if (src.DType == DType.Int32) Ints(src).SubView(srcOffset, count).CopyTo(Ints(dst).SubView(dstOffset, count));
        else Floats(src).SubView(srcOffset, count).CopyTo(Floats(dst).SubView(dstOffset, count));
    }

    /// <inheritdoc />
    public void CopyBlocks(Storage src, long srcOffset, long srcStride, Storage dst, long dstOffset, long dstStride, long outer, long block)
    {
        if (outer == 0 || block == 0) return;
        if (outer == 1)
        {
            Copy(src, srcOffset, dst, dstOffset, block);
            return;
        }
        int n = Int(outer * block);
        if (src.DType == DType.Int32)
        {
            _copyBlocksI ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, int, ArrayView<int>, int, int, int, int>(CopyKernels.CopyBlocks));
            _copyBlocksI(Threads(n), Ints(src).SubView(srcOffset), Int(srcStride), Ints(dst).SubView(dstOffset), Int(dstStride), Int(block), n, Threads(n));
        }
        else
        {
            _copyBlocksF ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, ArrayView<float>, int, int, int, int>(CopyKernels.CopyBlocks));
            _copyBlocksF(Threads(n), Floats(src).SubView(srcOffset), Int(srcStride), Floats(dst).SubView(dstOffset), Int(dstStride), Int(block), n, Threads(n));
        }
    }

    /// <inheritdoc />
    public void Fill(Storage dst, double value)
    {
        int n = Int(dst.Length);
        if (n == 0) return;
        if (dst.DType == DType.Int32)
        {
            _fillI ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, int, int, int>(CopyKernels.Fill));
            _fillI(Threads(n), Ints(dst), checked((int)value), n, Threads(n));
        }
        else
        {
            _fillF ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float, int, int>(CopyKernels.Fill));
            _fillF(Threads(n), Floats(dst), (float)value, n, Threads(n));
        }
    }

    /// <inheritdoc />
    public void Cast(Storage src, Storage dst)
    {
        if (src.DType != dst.DType)
            throw new NotSupportedException($"the ILGPU backend computes in float32 and cannot cast {src.DType.Name()} to {dst.DType.Name()}; gradient checks in float64 run on the CPU backend");
        Copy(src, 0, dst, 0, src.Length);
    }
}

using ILGPU;
using ILGPU.Runtime;
using Cac.Gpu.Kernels;

namespace Cac.Gpu;

// GEMM: the tiled shared-memory kernel of Kernels/GemmKernel.cs on GPUs, the barrier-free grid-stride kernel of
// Kernels/GridStrideGemmKernel.cs on ILGPU's CPU simulator (GpuKernelOptions picks).
public sealed partial class GpuBackend
{
    private Action<KernelConfig, GemmArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>>? _gemm;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, float, int>? _gemmSumSplits;
    private Action<Index1D, GemmArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>? _gemmGridStride;

    /// <inheritdoc />
    public void Gemm(bool transA, bool transB, int m, int n, int k, double alpha, Storage a, long aOffset, Storage b, long bOffset, double beta, Storage c, long cOffset) =>
        Gemm(transA, transB, m, n, k, (float)alpha, Floats(a).SubView(aOffset), Floats(b).SubView(bOffset), (float)beta, Floats(c).SubView(cOffset));

    /// <summary>GEMM on views that start at the matrices' first elements.</summary>
    private void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, ArrayView<float> a, ArrayView<float> b, float beta, ArrayView<float> c)
    {
        if (m == 0 || n == 0) return;
        Int((long)m * k);
        Int((long)k * n);
        Int((long)m * n);
        var args = new GemmArgs { M = m, N = n, K = k, TransA = transA ? 1 : 0, TransB = transB ? 1 : 0, Alpha = alpha, Beta = beta, Splits = 1, KPerSplit = k };
        if (_options.Gemm == GemmVariant.GridStride)
        {
            int items = Int(GridStrideGemmKernel.Items(m, n));
            _gemmGridStride ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, GemmArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(GridStrideGemmKernel.Run));
            _gemmGridStride(Threads(items), args, a, b, c, items, Threads(items));
            return;
        }
        long tiles = (long)((m + GemmKernel.Tile - 1) / GemmKernel.Tile) * ((n + GemmKernel.Tile - 1) / GemmKernel.Tile);
        _gemm ??= Profiled(_accelerator.LoadStreamKernel<GemmArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>>(GemmKernel.Run));
        int splits = GemmKernel.SplitsFor(tiles, k, _accelerator.NumMultiprocessors);
        if (splits == 1)
        {
            _gemm(new KernelConfig(Groups(tiles), GemmKernel.Threads), args, a, b, c);
            return;
        }
        // Few output tiles and a long K (weight gradients): slices of K in parallel into a workspace, then their sum.
        int sliceK = GemmKernel.SliceK(k, splits);
        splits = (int)(((long)k + sliceK - 1) / sliceK);
        int elements = m * n;
        using var partial = Rent(DType.Float32, (long)splits * elements);
        _gemm(new KernelConfig(Groups(tiles * splits), GemmKernel.Threads), args with { Splits = splits, KPerSplit = sliceK, Beta = 0f }, a, b, Floats(partial));
        _gemmSumSplits ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, float, int>(GemmKernel.SumSplits));
        _gemmSumSplits(Threads(elements), Floats(partial), c, elements, splits, beta, Threads(elements));
    }
}

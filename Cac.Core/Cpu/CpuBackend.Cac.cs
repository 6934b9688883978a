using Cac.Cpu.Kernels;

namespace Cac;

// The CAC kernels of IBackend.Cac.cs, forwarded to Kernels/CpuKernels.cs for the storages' dtype: the score, partition
// and gather kernels (Kernels/CacScoreKernels.cs, CacPartitionKernels.cs, CacGatherKernels.cs) and the fused per-sample
// sparse convolution and layer forward (Kernels/CacSparse/CpuCacSparse.cs). The kernel choice (CpuKernelChoice): the
// GPU's composition (Backends/Composed) is chosen here under Gemm, as it runs on this backend's own kernels; the plain
// loops of Reference/CacLayerReference.cs are chosen in the typed entries of CpuKernels, like the convolutions' in CpuConv.
public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public void CacSobelScore(Storage xbar, Storage score, ConvGeometry geometry, int smooth) => KernelsFor(xbar).CacSobelScore(xbar, score, geometry, smooth);

    /// <inheritdoc />
    public void CacInputScore(Storage x, int channels, Storage score, ConvGeometry geometry, int smooth) =>
        KernelsFor(x).CacInputScore(x, channels, score, geometry, smooth);

    /// <inheritdoc />
    public void CacStep(Storage x, Storage y) => KernelsFor(x).CacStep(x, y);

    /// <inheritdoc />
    public int CacPartition(Storage score, long count, Storage order) => KernelsFor(score).CacPartition(score, count, order);

    /// <inheritdoc />
    public void CacScoreGrad(Storage gy, Storage y, Storage score, Storage gScore, int n, int channels, int positions) =>
        KernelsFor(gy).CacScoreGrad(gy, y, score, gScore, n, channels, positions);

    /// <inheritdoc />
    public void CacGatherWindows(Storage x, Storage idx, long idxOffset, int count, Storage cols, ConvGeometry geometry) =>
        KernelsFor(x).CacGatherWindows(x, idx, idxOffset, count, cols, geometry);

    /// <inheritdoc />
    public void CacScatterWindows(Storage cols, Storage idx, long idxOffset, int count, Storage gx, ConvGeometry geometry) =>
        KernelsFor(cols).CacScatterWindows(cols, idx, idxOffset, count, gx, geometry);

    /// <inheritdoc />
    public void CacGatherPoints(Storage x, Storage idx, long idxOffset, int count, Storage points, ConvGeometry geometry, CacSamplePoint point) =>
        KernelsFor(x).CacGatherPoints(x, idx, idxOffset, count, points, geometry, point);

    /// <inheritdoc />
    public void CacScatterPoints(Storage points, Storage idx, long idxOffset, int count, Storage gx, ConvGeometry geometry, CacSamplePoint point) =>
        KernelsFor(points).CacScatterPoints(points, idx, idxOffset, count, gx, geometry, point);

    /// <inheritdoc />
    public void CacScatterColumns(Storage cols, Storage? bias, Storage idx, long idxOffset, int count, Storage y, int channels, int positions) =>
        KernelsFor(cols).CacScatterColumns(cols, bias, idx, idxOffset, count, y, channels, positions);

    /// <inheritdoc />
    public void CacGatherColumns(Storage src, Storage idx, long idxOffset, int count, Storage cols, int channels, int positions) =>
        KernelsFor(src).CacGatherColumns(src, idx, idxOffset, count, cols, channels, positions);

    /// <inheritdoc />
    public void CacSumTaps(Storage w, Storage wPhi, int rows, int taps) => KernelsFor(w).CacSumTaps(w, wPhi, rows, taps);

    /// <inheritdoc />
    public void CacSpreadTaps(Storage gwPhi, Storage gw, int rows, int taps) => KernelsFor(gw).CacSpreadTaps(gwPhi, gw, rows, taps);

    /// <inheritdoc />
    public void CacSamplePoints(Storage x, Storage y, ConvGeometry geometry, CacSamplePoint point) => KernelsFor(x).CacSamplePoints(x, y, geometry, point);

    /// <inheritdoc />
    public void CacSamplePointsBackward(Storage gy, Storage gx, ConvGeometry geometry, CacSamplePoint point) =>
        KernelsFor(gy).CacSamplePointsBackward(gy, gx, geometry, point);

    /// <inheritdoc />
    public void CacSparseForward(Storage x, Storage w, Storage wPhi, Storage? bias, Storage order, int sharp, Storage y, ConvGeometry geometry, CacSamplePoint point)
    {
        if (Kernels == CpuKernelChoice.Gemm) CacSparseComposed.Forward(this, x, w, wPhi, bias, order, sharp, y, geometry, point);
        else KernelsFor(x).CacSparseForward(x, w, wPhi, bias, order, sharp, y, geometry, point);
    }

    /// <inheritdoc />
    public void CacSparseBackward(Storage x, Storage w, Storage wPhi, Storage gy, Storage order, int sharp, Storage? gx, Storage? gw, ConvGeometry geometry, CacSamplePoint point)
    {
        if (Kernels == CpuKernelChoice.Gemm) CacSparseComposed.Backward(this, x, w, wPhi, gy, order, sharp, gx, gw, geometry, point);
        else KernelsFor(x).CacSparseBackward(x, w, wPhi, gy, order, sharp, gx, gw, geometry, point);
    }

    /// <inheritdoc />
    public int CacLayerForward(Storage x, Storage w, Storage wPhi, Storage? bias, Storage gamma, Storage beta, Storage scoreMap,
        Storage mask, Storage y, ConvGeometry geometry, CacSamplePoint point, int smooth) => Kernels == CpuKernelChoice.Gemm
        ? CacLayerComposed.Forward(this, x, w, wPhi, bias, gamma, beta, scoreMap, mask, y, geometry, point, smooth)
        : KernelsFor(x).CacLayerForward(x, w, wPhi, bias, gamma, beta, scoreMap, mask, y, geometry, point, smooth);
}

using ILGPU;
using ILGPU.Runtime;
using Cac.Gpu.Kernels;

namespace Cac.Gpu;

// Native gather/scatter kernels of the sparse CAC path (IBackend.Cac.cs), kernels in Kernels/CacGatherKernels.cs.
// GpuBackend.CacLayer.cs composes them with the device GEMM (Cac.Core/Backends/Composed/CacSparseComposed.cs), so
// the whole sparse layer runs on the device.
public sealed partial class GpuBackend
{
    private Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ConvArgs, int, int, int>? _cacGatherWindows;
    private Action<Index1D, ArrayView<int>, ArrayView<int>, int, int>? _cacMapPositions;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ConvArgs, int, int, int>? _cacScatterWindows;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ConvArgs, int, int, int, int, int, int>? _cacPoints;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, ArrayView<int>, ArrayView<float>, int, int, int, int, int>? _cacScatterColumns;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int, int, int, int>? _cacGatherColumns;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>? _cacSumTaps;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>? _cacSpreadTaps;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ConvArgs, int, int, int, int>? _cacSamplePoints;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ConvArgs, int, int, int, int>? _cacSamplePointsBackward;

    /// <inheritdoc />
    public void CacGatherWindows(Storage x, Storage idx, long idxOffset, int count, Storage cols, ConvGeometry g)
    {
        int n = Int((long)g.Cin * g.KH * g.KW * count);
        if (n == 0) return;
        _cacGatherWindows ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ConvArgs, int, int, int>(CacGatherKernels.GatherWindows));
        _cacGatherWindows(Threads(n), F(x), I(idx).SubView(idxOffset, count), F(cols), ConvArgs.From(g), count, n, Threads(n));
    }

    /// <inheritdoc />
    public void CacScatterWindows(Storage cols, Storage idx, long idxOffset, int count, Storage gx, ConvGeometry g)
    {
        int n = Int((long)g.N * g.Cin * g.H * g.W), positions = Int((long)g.N * g.Ho * g.Wo);
        Int((long)g.Cin * g.KH * g.KW * count);
        if (n == 0 || count == 0) return;
        // map: (N*Ho*Wo), the column of each listed position, -1 for the others; then col2im over gx through it.
        using var map = Rent(DType.Int32, positions);
        Fill(map, -1);
        _cacMapPositions ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<int>, int, int>(CacGatherKernels.MapPositions));
        _cacMapPositions(Threads(count), I(idx).SubView(idxOffset, count), I(map), count, Threads(count));
        _cacScatterWindows ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ConvArgs, int, int, int>(CacGatherKernels.ScatterWindows));
        _cacScatterWindows(Threads(n), F(cols), I(map), F(gx), ConvArgs.From(g), count, n, Threads(n));
    }

    /// <inheritdoc />
    public void CacGatherPoints(Storage x, Storage idx, long idxOffset, int count, Storage points, ConvGeometry g, CacSamplePoint point) =>
        Points(x, idx, idxOffset, count, points, g, point, scatter: false);

    /// <inheritdoc />
    public void CacScatterPoints(Storage points, Storage idx, long idxOffset, int count, Storage gx, ConvGeometry g, CacSamplePoint point) =>
        Points(gx, idx, idxOffset, count, points, g, point, scatter: true);

    // Gather: points (Cin, count) = x at the sample pixels. Scatter: x (then gx) += points there.
    private void Points(Storage x, Storage idx, long idxOffset, int count, Storage points, ConvGeometry g, CacSamplePoint point, bool scatter)
    {
        int n = Int((long)g.Cin * count);
        if (n == 0) return;
        var (offH, offW) = CacGeometry.SampleOffset(g, point);
        _cacPoints ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ConvArgs, int, int, int, int, int, int>(CacGatherKernels.Points));
        _cacPoints(Threads(n), F(x), I(idx).SubView(idxOffset, count), F(points), ConvArgs.From(g), offH, offW, scatter ? 1 : 0, count, n, Threads(n));
    }

    /// <inheritdoc />
    public void CacScatterColumns(Storage cols, Storage? bias, Storage idx, long idxOffset, int count, Storage y, int channels, int positions)
    {
        int n = Int((long)channels * count);
        if (n == 0) return;
        _cacScatterColumns ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, ArrayView<int>, ArrayView<float>, int, int, int, int, int>(CacGatherKernels.ScatterColumns));
        _cacScatterColumns(Threads(n), F(cols), bias is null ? F(cols) : F(bias), bias is null ? 0 : 1, I(idx).SubView(idxOffset, count), F(y),
            channels, positions, count, n, Threads(n));
    }

    /// <inheritdoc />
    public void CacGatherColumns(Storage src, Storage idx, long idxOffset, int count, Storage cols, int channels, int positions)
    {
        int n = Int((long)channels * count);
        if (n == 0) return;
        _cacGatherColumns ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int, int, int, int>(CacGatherKernels.GatherColumns));
        _cacGatherColumns(Threads(n), F(src), I(idx).SubView(idxOffset, count), F(cols), channels, positions, count, n, Threads(n));
    }

    /// <inheritdoc />
    public void CacSumTaps(Storage w, Storage wPhi, int rows, int taps)
    {
        Int((long)rows * taps);
        if (rows == 0) return;
        _cacSumTaps ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(CacGatherKernels.SumTaps));
        _cacSumTaps(Threads(rows), F(w), F(wPhi), taps, rows, Threads(rows));
    }

    /// <inheritdoc />
    public void CacSpreadTaps(Storage gwPhi, Storage gw, int rows, int taps)
    {
        int n = Int((long)rows * taps);
        if (n == 0) return;
        _cacSpreadTaps ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(CacGatherKernels.SpreadTaps));
        _cacSpreadTaps(Threads(n), F(gwPhi), F(gw), taps, n, Threads(n));
    }

    /// <inheritdoc />
    public void CacSamplePoints(Storage x, Storage y, ConvGeometry g, CacSamplePoint point)
    {
        int n = Int((long)g.N * g.Cin * g.Ho * g.Wo);
        if (n == 0) return;
        var (offH, offW) = CacGeometry.SampleOffset(g, point);
        _cacSamplePoints ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ConvArgs, int, int, int, int>(CacGatherKernels.SamplePoints));
        _cacSamplePoints(Threads(n), F(x), F(y), ConvArgs.From(g), offH, offW, n, Threads(n));
    }

    /// <inheritdoc />
    public void CacSamplePointsBackward(Storage gy, Storage gx, ConvGeometry g, CacSamplePoint point)
    {
        int n = Int((long)g.N * g.Cin * g.H * g.W);
        if (n == 0) return;
        var (offH, offW) = CacGeometry.SampleOffset(g, point);
        _cacSamplePointsBackward ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ConvArgs, int, int, int, int>(CacGatherKernels.SamplePointsBackward));
        _cacSamplePointsBackward(Threads(n), F(gy), F(gx), ConvArgs.From(g), offH, offW, n, Threads(n));
    }
}

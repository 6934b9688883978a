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
    public void CacGatherWindows(Storage x, Storage idx, long idxOffset, int count, Storage cols, ConvGeometry geometry)
    {
        int n = Int((long)geometry.Cin * geometry.KH * geometry.KW * count);
        if (n == 0) return;
        _cacGatherWindows ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ConvArgs, int, int, int>(CacGatherKernels.GatherWindows));
        _cacGatherWindows(Threads(n), Floats(x), Ints(idx).SubView(idxOffset, count), Floats(cols), ConvArgs.From(geometry), count, n, Threads(n));
    }

    /// <inheritdoc />
    public void CacScatterWindows(Storage cols, Storage idx, long idxOffset, int count, Storage gx, ConvGeometry geometry)
    {
        int n = Int((long)geometry.N * geometry.Cin * geometry.H * geometry.W), positions = Int((long)geometry.N * geometry.Ho * geometry.Wo);
        Int((long)geometry.Cin * geometry.KH * geometry.KW * count);
        if (n == 0 || count == 0) return;
        // map: (N*Ho*Wo), the column of each listed position, -1 for the others; then col2im over gx through it.
        using var map = Rent(DType.Int32, positions);
        Fill(map, -1);
        _cacMapPositions ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<int>, int, int>(CacGatherKernels.MapPositions));
        _cacMapPositions(Threads(count), Ints(idx).SubView(idxOffset, count), Ints(map), count, Threads(count));
        _cacScatterWindows ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ConvArgs, int, int, int>(CacGatherKernels.ScatterWindows));
        _cacScatterWindows(Threads(n), Floats(cols), Ints(map), Floats(gx), ConvArgs.From(geometry), count, n, Threads(n));
    }

    /// <inheritdoc />
    public void CacGatherPoints(Storage x, Storage idx, long idxOffset, int count, Storage points, ConvGeometry geometry, CacSamplePoint point) =>
        Points(x, idx, idxOffset, count, points, geometry, point, scatter: false);

    /// <inheritdoc />
    public void CacScatterPoints(Storage points, Storage idx, long idxOffset, int count, Storage gx, ConvGeometry geometry, CacSamplePoint point) =>
        Points(gx, idx, idxOffset, count, points, geometry, point, scatter: true);

    // Gather: points (Cin, count) = x at the sample pixels. Scatter: x (then gx) += points there.
    private void Points(Storage x, Storage idx, long idxOffset, int count, Storage points, ConvGeometry geometry, CacSamplePoint point, bool scatter)
    {
        int n = Int((long)geometry.Cin * count);
        if (n == 0) return;
        var (offH, offW) = CacGeometry.SampleOffset(geometry, point);
        _cacPoints ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ConvArgs, int, int, int, int, int, int>(CacGatherKernels.Points));
        _cacPoints(Threads(n), Floats(x), Ints(idx).SubView(idxOffset, count), Floats(points), ConvArgs.From(geometry), offH, offW, scatter ? 1 : 0, count, n, Threads(n));
    }

    /// <inheritdoc />
    public void CacScatterColumns(Storage cols, Storage? bias, Storage idx, long idxOffset, int count, Storage y, int channels, int positions)
    {
        int n = Int((long)channels * count);
        if (n == 0) return;
        _cacScatterColumns ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, ArrayView<int>, ArrayView<float>, int, int, int, int, int>(CacGatherKernels.ScatterColumns));
        _cacScatterColumns(Threads(n), Floats(cols), bias is null ? Floats(cols) : Floats(bias), bias is null ? 0 : 1, Ints(idx).SubView(idxOffset, count), Floats(y),
            channels, positions, count, n, Threads(n));
    }

    /// <inheritdoc />
    public void CacGatherColumns(Storage src, Storage idx, long idxOffset, int count, Storage cols, int channels, int positions)
    {
        int n = Int((long)channels * count);
        if (n == 0) return;
        _cacGatherColumns ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int, int, int, int>(CacGatherKernels.GatherColumns));
        _cacGatherColumns(Threads(n), Floats(src), Ints(idx).SubView(idxOffset, count), Floats(cols), channels, positions, count, n, Threads(n));
    }

    /// <inheritdoc />
    public void CacSumTaps(Storage w, Storage wPhi, int rows, int taps)
    {
        Int((long)rows * taps);
        if (rows == 0) return;
        _cacSumTaps ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(CacGatherKernels.SumTaps));
        _cacSumTaps(Threads(rows), Floats(w), Floats(wPhi), taps, rows, Threads(rows));
    }

    /// <inheritdoc />
    public void CacSpreadTaps(Storage gwPhi, Storage gw, int rows, int taps)
    {
        int n = Int((long)rows * taps);
        if (n == 0) return;
        _cacSpreadTaps ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(CacGatherKernels.SpreadTaps));
        _cacSpreadTaps(Threads(n), Floats(gwPhi), Floats(gw), taps, n, Threads(n));
    }

    /// <inheritdoc />
    public void CacSamplePoints(Storage x, Storage y, ConvGeometry geometry, CacSamplePoint point)
    {
        int n = Int((long)geometry.N * geometry.Cin * geometry.Ho * geometry.Wo);
        if (n == 0) return;
        var (offH, offW) = CacGeometry.SampleOffset(geometry, point);
        _cacSamplePoints ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ConvArgs, int, int, int, int>(CacGatherKernels.SamplePoints));
        _cacSamplePoints(Threads(n), Floats(x), Floats(y), ConvArgs.From(geometry), offH, offW, n, Threads(n));
    }

    /// <inheritdoc />
    public void CacSamplePointsBackward(Storage gy, Storage gx, ConvGeometry geometry, CacSamplePoint point)
    {
        int n = Int((long)geometry.N * geometry.Cin * geometry.H * geometry.W);
        if (n == 0) return;
        var (offH, offW) = CacGeometry.SampleOffset(geometry, point);
        _cacSamplePointsBackward ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ConvArgs, int, int, int, int>(CacGatherKernels.SamplePointsBackward));
        _cacSamplePointsBackward(Threads(n), Floats(gy), Floats(gx), ConvArgs.From(geometry), offH, offW, n, Threads(n));
    }
}

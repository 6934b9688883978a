using ILGPU;
using ILGPU.Runtime;
using Cac.Gpu.Kernels;

namespace Cac.Gpu;

// Native CAC score kernels (IBackend.Cac.cs): Sobel score map, fused channel mean + Sobel, hard step, partition,
// score gradient. Kernels in Kernels/CacScoreKernels.cs and Kernels/CacPartitionKernels.cs.
public sealed partial class GpuBackend
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, float, int, int>? _cacChannelMean;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ConvArgs, int, int, int>? _cacSobel;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int>? _cacStep;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>? _cacScoreGrad;
    private Action<KernelConfig, ArrayView<float>, ArrayView<int>, int, int, int>? _cacPartitionCount;
    private Action<KernelConfig, ArrayView<int>, int>? _cacPartitionScan;
    private Action<KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<int>, int, int, int>? _cacPartitionScatter;

    /// <inheritdoc />
    public void CacSobelScore(Storage xbar, Storage score, ConvGeometry geometry, int smooth) => Sobel(Floats(xbar), Floats(score), geometry, smooth);

    /// <inheritdoc />
    public void CacInputScore(Storage x, int channels, Storage score, ConvGeometry geometry, int smooth)
    {
        int pixels = Int((long)geometry.N * geometry.H * geometry.W);
        Int((long)pixels * channels);
        // x: (N, channels, H, W) -> xbar: (N, 1, H, W) -> score: (N, 1, Ho, Wo).
        using var xbar = Rent(DType.Float32, pixels);
        if (pixels > 0)
        {
            if (channels < 1) throw new ArgumentException($"CacInputScore: channels must be positive, got {channels}");
            _cacChannelMean ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, float, int, int>(CacScoreKernels.ChannelMean));
            _cacChannelMean(Threads(pixels), Floats(x), Floats(xbar), channels, geometry.H * geometry.W, (float)(1.0 / channels), pixels, Threads(pixels));
        }
        Sobel(Floats(xbar), Floats(score), geometry, smooth);
    }

    private void Sobel(ArrayView<float> xbar, ArrayView<float> score, ConvGeometry geometry, int smooth)
    {
        int n = Int((long)geometry.N * geometry.Ho * geometry.Wo);
        if (n == 0) return;
        _cacSobel ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ConvArgs, int, int, int>(CacScoreKernels.Sobel));
        _cacSobel(Threads(n), xbar, score, ConvArgs.From(geometry), smooth, n, Threads(n));
    }

    /// <inheritdoc />
    public void CacStep(Storage x, Storage y)
    {
        int n = Int(x.Length);
        if (n == 0) return;
        _cacStep ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(CacScoreKernels.Step));
        _cacStep(Threads(n), Floats(x), Floats(y), n, Threads(n));
    }

    /// <inheritdoc />
    public int CacPartition(Storage score, long count, Storage order)
    {
        // Strips long enough that the tiles about fill the resident groups once.
        long threads = (long)_maxGroups * _options.GroupSize;
        return CacPartition(score, count, order, (int)Math.Clamp((count + threads - 1) / threads, CacPartitionKernels.MinPerThread, int.MaxValue));
    }

    /// <summary><see cref="CacPartition(Storage, long, Storage)"/> with strips of <paramref name="per"/> scores per thread (tests force many tiles).</summary>
    internal int CacPartition(Storage score, long count, Storage order, int per)
    {
        int n = Int(count);
        if (n == 0) return 0;
        ArgumentOutOfRangeException.ThrowIfLessThan(per, 1);
        int group = _options.GroupSize;
        int tile = group * per, tiles = (int)((n + (long)tile - 1) / tile);
        // counts: (tiles + 1): sharp scores per tile, then their exclusive prefixes and the total.
        using var counts = Rent(DType.Int32, tiles + 1L);
        _cacPartitionCount ??= Profiled(_accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, int, int, int>(CacPartitionKernels.Count));
        _cacPartitionScan ??= Profiled(_accelerator.LoadStreamKernel<ArrayView<int>, int>(CacPartitionKernels.Scan));
        _cacPartitionScatter ??= Profiled(_accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<int>, int, int, int>(CacPartitionKernels.Scatter));
        _cacPartitionCount(GroupConfig(tiles), Floats(score), Ints(counts), n, per, tiles);
        _cacPartitionScan(new KernelConfig(1, group), Ints(counts), tiles);
        _cacPartitionScatter(GroupConfig(tiles), Floats(score), Ints(counts), Ints(order), n, per, tiles);
        Span<int> sharp = stackalloc int[1];
        HostCopy.Download(Ints(counts).SubView(tiles, 1), sharp);
        return sharp[0];
    }

    /// <inheritdoc />
    public void CacScoreGrad(Storage gy, Storage y, Storage score, Storage gScore, int n, int channels, int positions)
    {
        int items = Int((long)n * positions);
        Int((long)items * channels);
        if (items == 0) return;
        _cacScoreGrad ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(CacScoreKernels.ScoreGrad));
        _cacScoreGrad(Threads(items), Floats(gy), Floats(y), Floats(score), Floats(gScore), channels, positions, items, Threads(items));
    }
}

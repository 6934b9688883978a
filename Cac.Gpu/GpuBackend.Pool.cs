using ILGPU;
using ILGPU.Runtime;
using Cac.Gpu.Kernels;

namespace Cac.Gpu;

// Max, average and adaptive average pooling (Kernels/PoolKernels.cs).
public sealed partial class GpuBackend
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, PoolArgs, int, int>? _maxPool;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, PoolArgs, int, int>? _maxPoolBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, PoolArgs, int, int>? _avgPool;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, PoolArgs, int, int>? _avgPoolBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>? _adaptivePool;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>? _adaptivePoolBackward;

    /// <inheritdoc />
    public void MaxPool2dForward(Storage x, Storage y, Storage indices, PoolGeometry geometry)
    {
        int n = Int(y.Length);
        if (n == 0) return;
        _maxPool ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, PoolArgs, int, int>(PoolKernels.MaxForward));
        _maxPool(Threads(n), Floats(x), Floats(y), Ints(indices), PoolArgs.From(geometry, false), n, Threads(n));
    }

    /// <inheritdoc />
    public void MaxPool2dBackward(Storage gy, Storage indices, Storage gx, PoolGeometry geometry)
    {
        int n = Int(gx.Length);
        if (n == 0) return;
        _maxPoolBackward ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, PoolArgs, int, int>(PoolKernels.MaxBackward));
        _maxPoolBackward(Threads(n), Floats(gy), Ints(indices), Floats(gx), PoolArgs.From(geometry, false), n, Threads(n));
    }

    /// <inheritdoc />
    public void AvgPool2dForward(Storage x, Storage y, PoolGeometry geometry, bool countIncludePad)
    {
        int n = Int(y.Length);
        if (n == 0) return;
        _avgPool ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, PoolArgs, int, int>(PoolKernels.AvgForward));
        _avgPool(Threads(n), Floats(x), Floats(y), PoolArgs.From(geometry, countIncludePad), n, Threads(n));
    }

    /// <inheritdoc />
    public void AvgPool2dBackward(Storage gy, Storage gx, PoolGeometry geometry, bool countIncludePad)
    {
        int n = Int(gx.Length);
        if (n == 0) return;
        _avgPoolBackward ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, PoolArgs, int, int>(PoolKernels.AvgBackward));
        _avgPoolBackward(Threads(n), Floats(gy), Floats(gx), PoolArgs.From(geometry, countIncludePad), n, Threads(n));
    }

    /// <inheritdoc />
    public void AdaptiveAvgPool2dForward(Storage x, Storage y, int planes, int h, int w, int ho, int wo)
    {
        int n = Int(y.Length);
        if (n == 0) return;
        _adaptivePool ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>(PoolKernels.AdaptiveForward));
        _adaptivePool(Threads(n), Floats(x), Floats(y), h, w, ho, wo, n, Threads(n));
    }

    /// <inheritdoc />
    public void AdaptiveAvgPool2dBackward(Storage gy, Storage gx, int planes, int h, int w, int ho, int wo)
    {
        int n = Int(gx.Length);
        if (n == 0) return;
        _adaptivePoolBackward ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>(PoolKernels.AdaptiveBackward));
        _adaptivePoolBackward(Threads(n), Floats(gy), Floats(gx), h, w, ho, wo, n, Threads(n));
    }
}

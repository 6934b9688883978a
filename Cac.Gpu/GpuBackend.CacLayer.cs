namespace Cac.Gpu;

// The content-aware layer on the device: composed from the native CAC kernels (GpuBackend.CacScore.cs,
// GpuBackend.CacGather.cs) and the device GEMM, one launch per step over the whole batch. The CPU twin fuses the same
// steps per sample (Cac.Core/Cpu/Kernels/CacSparse/CpuCacSparse.Forward.cs).
public sealed partial class GpuBackend
{
    /// <inheritdoc />
    public void CacSparseForward(Storage x, Storage w, Storage wPhi, Storage? bias, Storage order, int sharp, Storage y,
        ConvGeometry geometry, CacSamplePoint point) =>
        CacSparseComposed.Forward(this, x, w, wPhi, bias, order, sharp, y, geometry, point);

    /// <inheritdoc />
    public void CacSparseBackward(Storage x, Storage w, Storage wPhi, Storage gy, Storage order, int sharp, Storage? gx, Storage? gw,
        ConvGeometry geometry, CacSamplePoint point) =>
        CacSparseComposed.Backward(this, x, w, wPhi, gy, order, sharp, gx, gw, geometry, point);

    /// <inheritdoc />
    public int CacLayerForward(Storage x, Storage w, Storage wPhi, Storage? bias, Storage gamma, Storage beta, Storage scoreMap,
        Storage mask, Storage y, ConvGeometry geometry, CacSamplePoint point, int smooth) =>
        CacLayerComposed.Forward(this, x, w, wPhi, bias, gamma, beta, scoreMap, mask, y, geometry, point, smooth);
}

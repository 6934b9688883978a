namespace Cac;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public void MaxPool2dForward(Storage x, Storage y, Storage indices, PoolGeometry g) => throw new NotImplementedException("CPU MaxPool2dForward: pending");

    /// <inheritdoc />
    public void MaxPool2dBackward(Storage gy, Storage indices, Storage gx, PoolGeometry g) => throw new NotImplementedException("CPU MaxPool2dBackward: pending");

    /// <inheritdoc />
    public void AvgPool2dForward(Storage x, Storage y, PoolGeometry g, bool countIncludePad) => throw new NotImplementedException("CPU AvgPool2dForward: pending");

    /// <inheritdoc />
    public void AvgPool2dBackward(Storage gy, Storage gx, PoolGeometry g, bool countIncludePad) => throw new NotImplementedException("CPU AvgPool2dBackward: pending");

    /// <inheritdoc />
    public void AdaptiveAvgPool2dForward(Storage x, Storage y, int planes, int h, int w, int ho, int wo) => throw new NotImplementedException("CPU AdaptiveAvgPool2dForward: pending");

    /// <inheritdoc />
    public void AdaptiveAvgPool2dBackward(Storage gy, Storage gx, int planes, int h, int w, int ho, int wo) => throw new NotImplementedException("CPU AdaptiveAvgPool2dBackward: pending");
}

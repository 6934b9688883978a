namespace Cac;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public void Upsample2dForward(Storage x, Storage y, int planes, int h, int w, int ho, int wo, bool bilinear, bool alignCorners) => throw new NotImplementedException("CPU Upsample2dForward: pending");

    /// <inheritdoc />
    public void Upsample2dBackward(Storage gy, Storage gx, int planes, int h, int w, int ho, int wo, bool bilinear, bool alignCorners) => throw new NotImplementedException("CPU Upsample2dBackward: pending");

    /// <inheritdoc />
    public void Pad2dForward(Storage x, Storage y, int planes, int h, int w, int top, int bottom, int left, int right, double value) => throw new NotImplementedException("CPU Pad2dForward: pending");

    /// <inheritdoc />
    public void Pad2dBackward(Storage gy, Storage gx, int planes, int h, int w, int top, int bottom, int left, int right) => throw new NotImplementedException("CPU Pad2dBackward: pending");
}

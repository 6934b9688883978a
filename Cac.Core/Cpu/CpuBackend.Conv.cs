namespace Cac;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public void Conv2dForward(Storage x, Storage w, Storage? bias, Storage y, ConvGeometry g) => throw new NotImplementedException("CPU Conv2dForward: pending");

    /// <inheritdoc />
    public void Conv2dBackwardInput(Storage gy, Storage w, Storage gx, ConvGeometry g) => throw new NotImplementedException("CPU Conv2dBackwardInput: pending");

    /// <inheritdoc />
    public void Conv2dBackwardWeight(Storage x, Storage gy, Storage gw, ConvGeometry g) => throw new NotImplementedException("CPU Conv2dBackwardWeight: pending");
}

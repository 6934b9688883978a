using Cac.Cpu.Kernels;

namespace Cac;

// The convolutions, forwarded to Kernels/CpuKernels.cs for the storages' dtype; Kernels/Conv/CpuConv.cs picks the algorithm.
public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public void Conv2dForward(Storage x, Storage w, Storage? bias, Storage y, ConvGeometry geometry) => KernelsFor(x).Conv2dForward(x, w, bias, y, geometry);

    /// <inheritdoc />
    public void Conv2dBackwardInput(Storage gy, Storage w, Storage gx, ConvGeometry geometry) => KernelsFor(gy).Conv2dBackwardInput(gy, w, gx, geometry);

    /// <inheritdoc />
    public void Conv2dBackwardWeight(Storage x, Storage gy, Storage gw, ConvGeometry geometry) => KernelsFor(x).Conv2dBackwardWeight(x, gy, gw, geometry);

    /// <summary>
    /// y = act((conv(x, w) + bias) * scale + shift + residual), one pass: the convolution with a per-channel affine epilogue
    /// (an eval-mode batch norm folded in), an optional residual and an optional ReLU, applied before y is stored.
    /// x: (N, Cin, H, W), w: (Cout, Cin/G, KH, KW); bias, scale, shift: (Cout) or null (0, 1, 0); residual: y's shape
    /// (N, Cout, Ho, Wo) or null; y: (N, Cout, Ho, Wo), overwritten. Not differentiable: see <see cref="Ops.Conv2dAffine"/>.
    /// </summary>
    public void Conv2dForwardFused(Storage x, Storage w, Storage? bias, Storage? scale, Storage? shift, Storage? residual, bool relu,
        Storage y, ConvGeometry geometry) =>
        KernelsFor(x).Conv2dForwardFused(x, w, bias, scale, shift, residual, relu, y, geometry);
}

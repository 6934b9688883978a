namespace Cac;

public static partial class Ops
{
    /// <summary>
    /// 2-D convolution (cross-correlation, as PyTorch). x: (N, Cin, H, W), weight: (Cout, Cin/groups, KH, KW),
    /// bias: (Cout) or null; returns (N, Cout, Ho, Wo). Symmetric stride, zero padding and dilation.
    /// </summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        throw new NotImplementedException("conv2d: pending");
}

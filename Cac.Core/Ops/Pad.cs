namespace Cac;

public static partial class Ops
{
    /// <summary>Constant padding of the last two axes of x: (N, C, H, W) -> (N, C, H + top + bottom, W + left + right).</summary>
    public static Tensor Pad2d(Tensor x, int left, int right, int top, int bottom, double value = 0) =>
        throw new NotImplementedException("pad: pending");
}

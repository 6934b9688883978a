namespace Cac;

public static partial class Ops
{
    /// <summary>
    /// Constant padding of the last two axes of x: (N, C, H, W) -> (N, C, H + top + bottom, W + left + right).
    /// Negative pads crop, as PyTorch's F.pad. The gradient is the interior of the output gradient.
    /// </summary>
    public static Tensor Pad2d(Tensor x, int left, int right, int top, int bottom, double value = 0)
    {
        RequireRank(x, 4, "pad2d", "(N, C, H, W)");
        RequireFloat(x, "pad2d");
        int n = x.Dims[0], c = x.Dims[1], h = x.Dims[2], w = x.Dims[3];
        int ho = h + top + bottom, wo = w + left + right;
        if (ho < 1 || wo < 1)
            throw new ArgumentException($"pad2d: pads (left {left}, right {right}, top {top}, bottom {bottom}) turn the input of shape {Shape.Format(x.Dims)} into an empty output ({n}, {c}, {ho}, {wo})");
        int planes = n * c;
        // y: (N, C, ho, wo)
        var y = Empty(x, n, c, ho, wo);
        x.Backend.Pad2dForward(x.Storage, y.Storage, planes, h, w, top, bottom, left, right, value);
        return Autograd.Record("pad2d", y, [x], gy =>
        {
            var gx = Empty(x, x.Shape);
            x.Backend.Pad2dBackward(gy.Storage, gx.Storage, planes, h, w, top, bottom, left, right);
            return [gx];
        });
    }
}

namespace Cac;

public static partial class Ops
{
    /// <summary>
    /// 2-D convolution (cross-correlation, as PyTorch). x: (N, Cin, H, W), weight: (Cout, Cin/groups, KH, KW),
    /// bias: (Cout) or null; returns (N, Cout, Ho, Wo). Symmetric stride, zero padding and dilation.
    /// </summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1)
    {
        var g = ConvGeometryOf(x, weight, bias, stride, padding, dilation, groups);
        var y = Empty(x, g.N, g.Cout, g.Ho, g.Wo);
        x.Backend.Conv2dForward(x.Storage, weight.Storage, bias?.Storage, y.Storage, g);
        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return Autograd.Record("conv2d", y, inputs, gy =>
        {
            Tensor? gx = null, gw = null;
            if (x.RequiresGrad)
            {
                gx = Empty(x, x.Shape);
                x.Backend.Conv2dBackwardInput(gy.Storage, weight.Storage, gx.Storage, g);
            }
            if (weight.RequiresGrad)
            {
                gw = Empty(weight, weight.Shape);
                x.Backend.Conv2dBackwardWeight(x.Storage, gy.Storage, gw.Storage, g);
            }
            // gbias: gy summed over N, Ho and Wo.
            var gb = bias is { RequiresGrad: true } ? Sum(gy, [0, 2, 3]) : null;
            return bias is null ? [gx, gw] : [gx, gw, gb];
        });
    }

    // Validates a conv2d call and returns its geometry; messages name the offending shapes.
    private static ConvGeometry ConvGeometryOf(Tensor x, Tensor weight, Tensor? bias, int stride, int padding, int dilation, int groups)
    {
        RequireCompatible("conv2d", x, weight, bias);
        RequireFloat(x, "conv2d");
        string shapes = $"input {Shape.Format(x.Dims)}, weight {Shape.Format(weight.Dims)}";
        if (x.Rank != 4)
            throw new ArgumentException($"conv2d expects a 4-D input (N, Cin, H, W); got {shapes}");
        if (weight.Rank != 4)
            throw new ArgumentException($"conv2d expects a 4-D weight (Cout, Cin/groups, KH, KW); got {shapes}");
        if (stride < 1 || dilation < 1 || padding < 0 || groups < 1)
            throw new ArgumentException($"conv2d: invalid stride {stride}, padding {padding}, dilation {dilation} or groups {groups} ({shapes})");
        int n = x.Dims[0], cin = x.Dims[1], h = x.Dims[2], w = x.Dims[3];
        int cout = weight.Dims[0], kh = weight.Dims[2], kw = weight.Dims[3];
        if (cin % groups != 0)
            throw new ArgumentException($"conv2d: input channels {cin} are not divisible by groups {groups} ({shapes})");
        if (cout % groups != 0)
            throw new ArgumentException($"conv2d: output channels {cout} are not divisible by groups {groups} ({shapes})");
        if (weight.Dims[1] * groups != cin)
            throw new ArgumentException($"conv2d: input has {cin} channels but the weight expects {weight.Dims[1]} x {groups} groups = {weight.Dims[1] * groups} ({shapes})");
        if (kh < 1 || kw < 1 || cout < 1)
            throw new ArgumentException($"conv2d: empty weight ({shapes})");
        if (bias is not null && (bias.Rank != 1 || bias.Dims[0] != cout))
            throw new ArgumentException($"conv2d: bias {Shape.Format(bias.Dims)} does not match the {cout} output channels ({shapes})");
        var g = new ConvGeometry(n, cin, h, w, cout, kh, kw, stride, stride, padding, padding, dilation, dilation, groups);
        if (h + 2 * padding - dilation * (kh - 1) - 1 < 0 || w + 2 * padding - dilation * (kw - 1) - 1 < 0)
            throw new ArgumentException($"conv2d: the (dilated) kernel {kh}x{kw} (dilation {dilation}) is larger than the padded input {h + 2 * padding}x{w + 2 * padding} ({shapes})");
        return g;
    }
}

namespace Cac;

public static partial class Ops
{
    /// <summary>
    /// 2-D convolution (cross-correlation, as PyTorch). x: (N, Cin, H, W), weight: (Cout, Cin/groups, KH, KW),
    /// bias: (Cout) or null; returns (N, Cout, Ho, Wo). Symmetric stride, zero padding and dilation.
    /// </summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1)
    {
        var geometry = ConvArguments.Check("conv2d", x, weight, bias, stride, padding, dilation, groups);
        var y = Empty(x, geometry.N, geometry.Cout, geometry.Ho, geometry.Wo);
        x.Backend.Conv2dForward(x.Storage, weight.Storage, bias?.Storage, y.Storage, geometry);
        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return Autograd.Record("conv2d", y, inputs, gy =>
        {
            Tensor? gx = null, gw = null;
            if (x.RequiresGrad)
            {
                gx = Empty(x, x.Shape);
                x.Backend.Conv2dBackwardInput(gy.Storage, weight.Storage, gx.Storage, geometry);
            }
            if (weight.RequiresGrad)
            {
                gw = Empty(weight, weight.Shape);
                x.Backend.Conv2dBackwardWeight(x.Storage, gy.Storage, gw.Storage, geometry);
            }
            // gbias: gy summed over N, Ho and Wo.
            var gb = bias is { RequiresGrad: true } ? Sum(gy, [0, 2, 3]) : null;
            return bias is null ? [gx, gw] : [gx, gw, gb];
        });
    }
}

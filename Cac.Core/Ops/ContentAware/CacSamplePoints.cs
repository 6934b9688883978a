namespace Cac;

public static partial class Ops
{
    /// <summary>
    /// The pixel each window of a k x k conv samples for its cheap 1 x 1 path: x (N, C, H, W) -> (N, C, Ho, Wo) with
    /// y[n, c, oh, ow] = x[n, c, oh*s - p + offH, ow*s - p + offW] (zero in the padding), offset d*(k/2) for the
    /// centre pixel or 0 for the top-left one. Differentiable (the backward scatters into the sampled pixels).
    /// </summary>
    public static Tensor CacSamplePoints(Tensor x, int kernel, int stride = 1, int padding = 0, int dilation = 1,
        CacSamplePoint point = CacSamplePoint.Centre)
    {
        const string op = "cac_sample_points";
        RequireFloat(x, op);
        RequireRank(x, 4, op, "(N, C, H, W)");
        if (kernel < 1 || stride < 1 || padding < 0 || dilation < 1)
            throw new ArgumentException($"{op}: invalid geometry kernel={kernel} stride={stride} padding={padding} dilation={dilation}");
        var d = x.Dims;
        var geometry = new ConvGeometry(d[0], d[1], d[2], d[3], d[1], kernel, kernel, stride, stride, padding, padding, dilation, dilation, 1);
        if (geometry.Ho <= 0 || geometry.Wo <= 0)
            throw new ArgumentException($"{op}: input {Shape.Format(d)} is too small for kernel {kernel}, padding {padding}, dilation {dilation}");
        var y = Empty(x, geometry.N, geometry.Cin, geometry.Ho, geometry.Wo);
        x.Backend.CacSamplePoints(x.Storage, y.Storage, geometry, point);
        return Autograd.Record(op, y, [x], gy =>
        {
            var gx = Empty(x, x.Shape);
            x.Backend.CacSamplePointsBackward(gy.Storage, gx.Storage, geometry, point);
            return [gx];
        });
    }
}

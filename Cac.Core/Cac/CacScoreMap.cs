namespace Cac;

public static partial class Ops
{
    /// <summary>
    /// CAC score map G (DESIGN.md 2.1-2.2), computed without gradient. x: (N, C, H, W) -> (N, 1, Ho, Wo) where Ho, Wo
    /// are the output extents of a k x k conv with this stride, padding and dilation.
    /// Xbar = channel mean of x; for each output position the unnormalised Sobel pair, dilated by <paramref name="dilation"/>,
    /// is centred on the conv window's centre pixel (row oh*s - p + d*(k/2)): equivalent to a 3 x 3 Sobel conv with the
    /// conv's stride and dilation and padding p - d*(k/2 - 1), so it always yields Ho x Wo (zero padding of Xbar).
    /// G = sqrt(Gx^2 + Gy^2). For k &gt; 3, G is smoothed by a stride-1 m x m box mean, m = d*(k-3)//s + 1, that keeps the
    /// shape: the box over output (oh, ow) spans (oh - (m-1)/2 .. oh + m/2) (even m: the extra row/column on the
    /// bottom/right), and positions beyond the grid are not zero-padded but hold the Sobel magnitude of the virtual
    /// window there (the Sobel of the zero-padded Xbar). For stride 1 this reproduces the reference's
    /// avg_pool(sobel(Xbar, padding p)) exactly.
    /// </summary>
    public static Tensor CacScoreMap(Tensor x, int kernel, int stride = 1, int padding = 0, int dilation = 1)
    {
        const string op = "cac_score_map";
        RequireFloat(x, op);
        RequireRank(x, 4, op, "(N, C, H, W)");
        if (kernel < 2 || stride < 1 || padding < 0 || dilation < 1)
            throw new ArgumentException($"{op}: invalid geometry kernel={kernel} stride={stride} padding={padding} dilation={dilation} (kernel >= 2: 1 x 1 convolutions are never content-aware)");
        var d = x.Dims;
        var g = new ConvGeometry(d[0], 1, d[2], d[3], 1, kernel, kernel, stride, stride, padding, padding, dilation, dilation, 1);
        if (g.Ho <= 0 || g.Wo <= 0)
            throw new ArgumentException($"{op}: input {Shape.Format(d)} is too small for kernel {kernel}, padding {padding}, dilation {dilation}");
        var score = Empty(x, g.N, 1, g.Ho, g.Wo);
        x.Backend.CacInputScore(x.Storage, d[1], score.Storage, g, CacGeometry.SmoothSize(kernel, stride, dilation));
        return score;
    }
}

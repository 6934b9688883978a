namespace Cac;

public static partial class Ops
{
    /// <summary>
    /// CAC score map G (docs/design.md 2.1-2.2), computed without gradient. x: (N, C, H, W) -> (N, 1, Ho, Wo) where Ho, Wo
    /// are the output extents of a k x k conv with this stride, padding and dilation.
    /// Xbar = channel mean of x. The unnormalised Sobel pair, dilated by d, is applied as the reference does: a 3 x 3
    /// conv of Xbar with the conv's stride s, padding p and dilation d, so virtual position (vh, vw) holds
    /// S[vh, vw] = sqrt(Gx^2 + Gy^2) of the Sobel centred at row vh*s - p + d, column vw*s - p + d (Xbar zero-padded,
    /// for any vh, vw &gt;= 0). Then G[oh, ow] = mean of S[oh + a, ow + b] over a, b in [0, m), the reference's stride-1
    /// avg_pool, with m = <see cref="CacGeometry.SmoothSize"/> = d*(k-3)//s + 1 for k &gt; 3 and 1 for k &lt;= 3.
    /// <para>
    /// Wherever the reference's map has Ho x Wo positions (always for k = 3, for k &gt; 3 whenever s divides d*(k-3), e.g.
    /// at stride 1 or k = 5, s = 2, and otherwise for some input sizes) this is it exactly; where the two extents differ,
    /// G still has Ho x Wo positions and equals the reference on the positions both define (S is evaluated past the
    /// reference's grid on the zero-padded Xbar, never zero-filled). For k = 3 the Sobel sits on the window centre
    /// (offset d = d*(k/2)). For k = 2 the reference's map is d rows/columns short of the conv output at stride 1 (and
    /// so undefined); the same rule applies, putting the Sobel on the window's second row/column (offset d), as Cac
    /// always has.
    /// </para>
    /// </summary>
    public static Tensor CacScoreMap(Tensor x, int kernel, int stride = 1, int padding = 0, int dilation = 1)
    {
        const string op = "cac_score_map";
        RequireFloat(x, op);
        RequireRank(x, 4, op, "(N, C, H, W)");
        if (kernel < 2 || stride < 1 || padding < 0 || dilation < 1)
            throw new ArgumentException($"{op}: invalid geometry kernel={kernel} stride={stride} padding={padding} dilation={dilation} (kernel >= 2: 1 x 1 convolutions are never content-aware)");
        var d = x.Dims;
        var geometry = new ConvGeometry(d[0], 1, d[2], d[3], 1, kernel, kernel, stride, stride, padding, padding, dilation, dilation, 1);
        if (geometry.Ho <= 0 || geometry.Wo <= 0)
            throw new ArgumentException($"{op}: input {Shape.Format(d)} is too small for kernel {kernel}, padding {padding}, dilation {dilation}");
        var score = Empty(x, geometry.N, 1, geometry.Ho, geometry.Wo);
        x.Backend.CacInputScore(x.Storage, d[1], score.Storage, geometry, CacGeometry.SmoothSize(kernel, stride, dilation));
        return score;
    }
}

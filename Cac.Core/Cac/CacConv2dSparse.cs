namespace Cac;

public static partial class Ops
{
    /// <summary>
    /// The fast path of <see cref="ContentAwareConv2d"/>: positions are partitioned by score into P sharp and Q smooth
    /// (one list, sharp first, each ascending). Sharp windows are gathered into im2col columns (Cin/g*k*k, P) per group
    /// and multiplied by the weight in one GEMM per group; the smooth windows' sample pixels (Cin, Q) go through one
    /// 1 x 1 GEMM per group with w_phi; both results are scattered into y by position. The backward pass mirrors it:
    /// gW from the re-gathered columns and the gathered output gradient, gx by scatter-adding (col2im restricted to the
    /// sharp windows, plus the sample pixels), g(w_phi) spread to every tap. When every window is sharp it is the
    /// standard convolution.
    /// </summary>
    public static Tensor ContentAwareConv2dSparse(Tensor x, Tensor weight, Tensor? bias, Tensor score, int stride = 1, int padding = 0,
        int dilation = 1, int groups = 1, CacSamplePoint point = CacSamplePoint.Centre)
    {
        const string op = "cac_conv2d_sparse";
        var g = CacConvGeometry(op, x, weight, bias, score, stride, padding, dilation, groups);
        var be = x.Backend;
        int positions = g.Ho * g.Wo;
        int total = checked(g.N * positions);
        var order = Tensor.Zeros([total], DType.Int32, x.Device);                      // sharp positions, then smooth
        int sharp = be.CacPartition(score.Storage, total, order.Storage), smooth = total - sharp;
        var wPhi = Empty(x, g.Cout, g.CinPerGroup);                                       // (Cout, Cin/g)
        be.CacSumTaps(weight.Storage, wPhi.Storage, g.Cout * g.CinPerGroup, g.KH * g.KW);

        var y = Empty(x, g.N, g.Cout, g.Ho, g.Wo);
        if (sharp == total)
        {
            be.Conv2dForward(x.Storage, weight.Storage, bias?.Storage, y.Storage, g);
        }
        else
        {
            var outCols = CacWorkspace.Get(be, x.DType, CacWorkspace.Slot.OutputColumns, (long)g.Cout * Math.Max(sharp, smooth));
            if (sharp > 0)
            {
                var cols = CacWorkspace.Get(be, x.DType, CacWorkspace.Slot.Columns, (long)g.Groups * g.PatchSize * sharp);
                be.CacGatherWindows(x.Storage, order.Storage, 0, sharp, cols, g);     // (Cin*k*k, P)
                CacGroupGemm(be, g, false, false, g.CoutPerGroup, sharp, g.PatchSize, weight.Storage, cols, outCols);
                be.CacScatterColumns(outCols, bias?.Storage, order.Storage, 0, sharp, y.Storage, g.Cout, positions);
            }
            if (smooth > 0)
            {
                var points = CacWorkspace.Get(be, x.DType, CacWorkspace.Slot.Points, (long)g.Cin * smooth);
                be.CacGatherPoints(x.Storage, order.Storage, sharp, smooth, points, g, point);   // (Cin, Q)
                CacGroupGemm(be, g, false, false, g.CoutPerGroup, smooth, g.CinPerGroup, wPhi.Storage, points, outCols);
                be.CacScatterColumns(outCols, bias?.Storage, order.Storage, sharp, smooth, y.Storage, g.Cout, positions);
            }
        }

        Tensor[] inputs = bias is null ? [x, weight, score] : [x, weight, score, bias];
        return Autograd.Record(op, y, inputs, gy =>
        {
            var (gx, gw) = CacSparseBackward(gy, x, weight, wPhi, order, sharp, g, point);
            Tensor? gScore = null, gBias = null;
            if (score.RequiresGrad)
            {
                gScore = Empty(score, score.Shape);
                be.CacScoreGrad(gy.Storage, y.Storage, score.Storage, gScore.Storage, g.N, g.Cout, positions);
            }
            if (bias is { RequiresGrad: true })
                gBias = SumTo(gy, [1, g.Cout, 1, 1]).Reshape(g.Cout);
            return bias is null ? [gx, gw, gScore] : [gx, gw, gScore, gBias];
        });
    }

    // gy: (N, Cout, Ho, Wo) -> gx (N, Cin, H, W) and gw (Cout, Cin/g, k, k), each null when not needed.
    private static (Tensor? Gx, Tensor? Gw) CacSparseBackward(Tensor gy, Tensor x, Tensor weight, Tensor wPhi, Tensor order,
        int sharp, ConvGeometry g, CacSamplePoint point)
    {
        var be = x.Backend;
        bool needX = x.RequiresGrad, needW = weight.RequiresGrad;
        int positions = g.Ho * g.Wo, smooth = g.N * positions - sharp;
        var gx = needX ? Empty(x, x.Shape) : null;
        var gw = needW ? Empty(weight, weight.Shape) : null;
        if (smooth == 0)
        {
            if (gx is not null) be.Conv2dBackwardInput(gy.Storage, weight.Storage, gx.Storage, g);
            if (gw is not null) be.Conv2dBackwardWeight(x.Storage, gy.Storage, gw.Storage, g);
            return (gx, gw);
        }
        if (!needX && !needW) return (null, null);
        var gyCols = CacWorkspace.Get(be, x.DType, CacWorkspace.Slot.OutputColumns, (long)g.Cout * Math.Max(sharp, smooth));
        if (sharp > 0)
        {
            be.CacGatherColumns(gy.Storage, order.Storage, 0, sharp, gyCols, g.Cout, positions);             // (Cout, P)
            var cols = CacWorkspace.Get(be, x.DType, CacWorkspace.Slot.Columns, (long)g.Groups * g.PatchSize * sharp);
            if (gw is not null)
            {
                be.CacGatherWindows(x.Storage, order.Storage, 0, sharp, cols, g);                            // (Cin*k*k, P)
                CacGroupGemm(be, g, false, true, g.CoutPerGroup, g.PatchSize, sharp, gyCols, cols, gw.Storage);
            }
            if (gx is not null)
            {
                CacGroupGemm(be, g, true, false, g.PatchSize, sharp, g.CoutPerGroup, weight.Storage, gyCols, cols);
                be.CacScatterWindows(cols, order.Storage, 0, sharp, gx.Storage, g);
            }
        }
        be.CacGatherColumns(gy.Storage, order.Storage, sharp, smooth, gyCols, g.Cout, positions);             // (Cout, Q)
        var points = CacWorkspace.Get(be, x.DType, CacWorkspace.Slot.Points, (long)g.Cin * smooth);
        if (gw is not null)
        {
            be.CacGatherPoints(x.Storage, order.Storage, sharp, smooth, points, g, point);                   // (Cin, Q)
            var gwPhi = Empty(x, g.Cout, g.CinPerGroup);
            CacGroupGemm(be, g, false, true, g.CoutPerGroup, g.CinPerGroup, smooth, gyCols, points, gwPhi.Storage);
            be.CacSpreadTaps(gwPhi.Storage, gw.Storage, g.Cout * g.CinPerGroup, g.KH * g.KW);
        }
        if (gx is not null)
        {
            CacGroupGemm(be, g, true, false, g.CinPerGroup, smooth, g.CoutPerGroup, wPhi.Storage, gyCols, points);
            be.CacScatterPoints(points, order.Storage, sharp, smooth, gx.Storage, g, point);
        }
        return (gx, gw);
    }

    // One GEMM per group, C_gr (m, n) = op(A_gr) op(B_gr), where each operand is the gr-th of Groups equal
    // consecutive blocks of its buffer (sizes m*k, k*n and m*n).
    private static void CacGroupGemm(IBackend be, ConvGeometry g, bool transA, bool transB, int m, int n, int k,
        Storage a, Storage b, Storage c)
    {
        for (int gr = 0; gr < g.Groups; gr++)
            be.Gemm(transA, transB, m, n, k, 1.0, a, (long)gr * m * k, b, (long)gr * k * n, 0.0, c, (long)gr * m * n);
    }
}

namespace Cac;

/// <summary>
/// Kernels of the content-aware convolution (CAC, docs/design.md section 2). Shapes use the CAC conv's
/// <see cref="ConvGeometry"/> g: x (N, Cin, H, W), w (Cout, Cin/G, KH, KW), y (N, Cout, Ho, Wo).
/// A "position list" is an Int32 storage of flat output positions n*Ho*Wo + oh*Wo + ow, read from
/// <c>idxOffset</c> for <c>count</c> entries, strictly ascending (so each sample's entries are contiguous).
/// Column matrices put the list's entries along their last axis: (rows, count), row-major.
/// Every kernel has a default body that runs the CPU kernel on host copies (<see cref="CacHostFallback"/>):
/// correct everywhere, slow on a device; a device backend overrides them with native kernels.
/// </summary>
public partial interface IBackend
{
    /// <summary>
    /// Score map. xbar: (N, 1, H, W), the channel mean of x; score: (N, 1, Ho, Wo). Virtual position (vh, vw), vh, vw &gt;= 0,
    /// holds S = sqrt(Gx^2 + Gy^2) of the unnormalised Sobel pair Gx = [[1,0,-1],[2,0,-2],[1,0,-1]], Gy = Gx^T, dilated by
    /// g's dilation d and centred at row vh*s - p + d, column vw*s - p + d (xbar zero outside the image): the 3 x 3 Sobel
    /// conv with the conv's stride, padding and dilation. score[oh, ow] = mean of S over the m x m virtual positions
    /// (oh + a, ow + b), a, b in [0, m), m = <paramref name="smooth"/> (1: S itself), S evaluated by the same rule also
    /// beyond the Sobel conv's own grid (never zero-filled). Overwrites score. See <see cref="Ops.CacScoreMap"/>.
    /// </summary>
    void CacSobelScore(Storage xbar, Storage score, ConvGeometry g, int smooth) =>
        CacHostFallback.Run((cpu, h) => cpu.CacSobelScore(h[0]!, h[1]!, g, smooth), [xbar, score], 1);

    /// <summary>
    /// Score map straight from the conv input x (N, channels, H, W): the channel mean Xbar (sum over channels times
    /// 1/channels) followed by <see cref="CacSobelScore"/>. The default composes the backend's own reduction and Sobel
    /// kernels; a backend may fuse them (one read of x, no Xbar tensor).
    /// </summary>
    void CacInputScore(Storage x, int channels, Storage score, ConvGeometry g, int smooth)
    {
        var xbar = Allocate(x.DType, (long)g.N * g.H * g.W);
        SumToShape(x, [g.N, channels, g.H, g.W], xbar, [g.N, 1, g.H, g.W]);
        Affine(xbar, xbar, 1.0 / channels, 0);
        CacSobelScore(xbar, score, g, smooth);
    }

    /// <summary>y = x &gt; 0 ? 1 : 0 elementwise (the hard mask of a score; strict).</summary>
    void CacStep(Storage x, Storage y) =>
        CacHostFallback.Run((cpu, h) => cpu.CacStep(h[0]!, h[1]!), [x, y], 1);

    /// <summary>
    /// Splits positions by score: writes to order (Int32, count) first the indices i with score[i] &gt; 0 (sharp)
    /// ascending, then the others (smooth) ascending. score: (count). Returns the number of sharp positions.
    /// </summary>
    int CacPartition(Storage score, long count, Storage order) =>
        CacHostFallback.Run((cpu, h) => cpu.CacPartition(h[0]!, count, h[1]!), [score, order], 1);

    /// <summary>
    /// im2col restricted to a position list: cols (Cin*KH*KW, count) with row (c*KH + i)*KW + j holding
    /// x[n, c, oh*s - p + d*i, ow*s - p + d*j] (zero in the padding) for each listed (n, oh, ow).
    /// Group gr owns rows [gr*PatchSize, (gr+1)*PatchSize). Overwrites cols.
    /// </summary>
    void CacGatherWindows(Storage x, Storage idx, long idxOffset, int count, Storage cols, ConvGeometry g) =>
        CacHostFallback.Run((cpu, h) => cpu.CacGatherWindows(h[0]!, h[1]!, idxOffset, count, h[2]!, g), [x, idx, cols], 2);

    /// <summary>Adjoint of <see cref="CacGatherWindows"/> (col2im at the listed positions): gx (N, Cin, H, W) += scatter of cols. Accumulates.</summary>
    void CacScatterWindows(Storage cols, Storage idx, long idxOffset, int count, Storage gx, ConvGeometry g) =>
        CacHostFallback.Run((cpu, h) => cpu.CacScatterWindows(h[0]!, h[1]!, idxOffset, count, h[2]!, g), [cols, idx, gx], 2);

    /// <summary>
    /// Sample pixels of a position list: points (Cin, count) with points[c, j] = x[n, c, oh*s - p + offH, ow*s - p + offW]
    /// (zero in the padding), offsets from <see cref="CacGeometry.SampleOffset"/>. Overwrites points.
    /// </summary>
    void CacGatherPoints(Storage x, Storage idx, long idxOffset, int count, Storage points, ConvGeometry g, CacSamplePoint point) =>
        CacHostFallback.Run((cpu, h) => cpu.CacGatherPoints(h[0]!, h[1]!, idxOffset, count, h[2]!, g, point), [x, idx, points], 2);

    /// <summary>Adjoint of <see cref="CacGatherPoints"/>: gx (N, Cin, H, W) += scatter of points (Cin, count). Accumulates.</summary>
    void CacScatterPoints(Storage points, Storage idx, long idxOffset, int count, Storage gx, ConvGeometry g, CacSamplePoint point) =>
        CacHostFallback.Run((cpu, h) => cpu.CacScatterPoints(h[0]!, h[1]!, idxOffset, count, h[2]!, g, point), [points, idx, gx], 2);

    /// <summary>
    /// Writes columns back by position: y[n, c, q] = cols[c, j] + bias[c] (bias (channels) or null) for the j-th
    /// listed position n*positions + q. y: (N, channels, positions); other positions are left untouched.
    /// </summary>
    void CacScatterColumns(Storage cols, Storage? bias, Storage idx, long idxOffset, int count, Storage y, int channels, int positions) =>
        CacHostFallback.Run((cpu, h) => cpu.CacScatterColumns(h[0]!, h[1], h[2]!, idxOffset, count, h[3]!, channels, positions), [cols, bias, idx, y], 3);

    /// <summary>Reads columns by position: cols[c, j] = src[n, c, q] for the j-th listed position n*positions + q. src: (N, channels, positions), cols: (channels, count).</summary>
    void CacGatherColumns(Storage src, Storage idx, long idxOffset, int count, Storage cols, int channels, int positions) =>
        CacHostFallback.Run((cpu, h) => cpu.CacGatherColumns(h[0]!, h[1]!, idxOffset, count, h[2]!, channels, positions), [src, idx, cols], 2);

    /// <summary>w_phi[r] = sum over t of w[r, t]: w viewed as (rows, taps), w_phi (rows). The 1 x 1 weight of smooth windows.</summary>
    void CacSumTaps(Storage w, Storage wPhi, int rows, int taps) =>
        CacHostFallback.Run((cpu, h) => cpu.CacSumTaps(h[0]!, h[1]!, rows, taps), [w, wPhi], 1);

    /// <summary>Adjoint of <see cref="CacSumTaps"/>: gw[r, t] += gwPhi[r] for every tap t. Accumulates.</summary>
    void CacSpreadTaps(Storage gwPhi, Storage gw, int rows, int taps) =>
        CacHostFallback.Run((cpu, h) => cpu.CacSpreadTaps(h[0]!, h[1]!, rows, taps), [gwPhi, gw], 1);

    /// <summary>
    /// Straight-through gradient of the score (docs/design.md 2.7): gScore[n, q] = sign * sum over c of gy[n, c, q] * y[n, c, q],
    /// sign = +1 where score[n, q] &gt; 0 (sharp: y is Y_sharp there) and -1 elsewhere (smooth: y is Y_smooth).
    /// gy, y: (N, channels, positions); score, gScore: (N, positions). Overwrites gScore.
    /// </summary>
    void CacScoreGrad(Storage gy, Storage y, Storage score, Storage gScore, int n, int channels, int positions) =>
        CacHostFallback.Run((cpu, h) => cpu.CacScoreGrad(h[0]!, h[1]!, h[2]!, h[3]!, n, channels, positions), [gy, y, score, gScore], 3);

    /// <summary>
    /// Sample pixels of every output position (the dense path's 1 x 1 input): y (N, Cin, Ho, Wo) with
    /// y[n, c, oh, ow] = x[n, c, oh*s - p + offH, ow*s - p + offW] (zero in the padding). Overwrites y.
    /// </summary>
    void CacSamplePoints(Storage x, Storage y, ConvGeometry g, CacSamplePoint point) =>
        CacHostFallback.Run((cpu, h) => cpu.CacSamplePoints(h[0]!, h[1]!, g, point), [x, y], 1);

    /// <summary>Adjoint of <see cref="CacSamplePoints"/>: gx (N, Cin, H, W) from gy (N, Cin, Ho, Wo). Overwrites gx.</summary>
    void CacSamplePointsBackward(Storage gy, Storage gx, ConvGeometry g, CacSamplePoint point) =>
        CacHostFallback.Run((cpu, h) => cpu.CacSamplePointsBackward(h[0]!, h[1]!, g, point), [gy, gx], 1);
}

public partial interface IBackend
{
    /// <summary>
    /// Sparse CAC forward at a given partition (see <see cref="CacPartition"/>): y (N, Cout, Ho, Wo) gets, at the positions
    /// order[0, sharp), the full conv with w (Cout, Cin/G, KH, KW) and, at order[sharp, N*Ho*Wo), the 1 x 1 conv with
    /// wPhi (Cout, Cin/G) of the sample pixel; bias (Cout) or null on both. Overwrites y. The default composes the
    /// gather/scatter kernels above with <see cref="Gemm"/> over the whole batch; a backend may fuse it.
    /// </summary>
    void CacSparseForward(Storage x, Storage w, Storage wPhi, Storage? bias, Storage order, int sharp, Storage y,
        ConvGeometry g, CacSamplePoint point) =>
        CacSparseComposed.Forward(this, x, w, wPhi, bias, order, sharp, y, g, point);

    /// <summary>
    /// Backward of <see cref="CacSparseForward"/> from gy (N, Cout, Ho, Wo): gx (N, Cin, H, W) and gw (Cout, Cin/G, KH, KW),
    /// each overwritten, or skipped when null; gw includes the gradient of w_phi spread to every tap.
    /// </summary>
    void CacSparseBackward(Storage x, Storage w, Storage wPhi, Storage gy, Storage order, int sharp, Storage? gx, Storage? gw,
        ConvGeometry g, CacSamplePoint point) =>
        CacSparseComposed.Backward(this, x, w, wPhi, gy, order, sharp, gx, gw, g, point);
}

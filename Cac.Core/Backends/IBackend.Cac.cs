namespace Cac;

/// <summary>
/// Kernels of the content-aware convolution (CAC, docs/design.md section 2). Shapes use the CAC conv's
/// <see cref="ConvGeometry"/> geometry: x (N, Cin, H, W), w (Cout, Cin/G, KH, KW), y (N, Cout, Ho, Wo).
/// A "position list" is an Int32 storage of flat output positions n*Ho*Wo + oh*Wo + ow, read from
/// <c>idxOffset</c> for <c>count</c> entries, strictly ascending (so each sample's entries are contiguous).
/// Column matrices put the list's entries along their last axis: (rows, count), row-major.
/// The CPU backend implements them in Cac.Core/Cpu, the GPU backend as ILGPU kernels in Cac.Gpu/Kernels; the sparse
/// convolution composed from them and <see cref="Gemm"/> is <see cref="CacSparseComposed"/>.
/// </summary>
public partial interface IBackend
{
    /// <summary>
    /// Score map. xbar: (N, 1, H, W), the channel mean of x; score: (N, 1, Ho, Wo). Virtual position (vh, vw), vh, vw &gt;= 0,
    /// holds S = sqrt(Gx^2 + Gy^2) of the unnormalised Sobel pair Gx = [[1,0,-1],[2,0,-2],[1,0,-1]], Gy = Gx^T, dilated by
    /// geometry's dilation d and centred at row vh*s - p + d, column vw*s - p + d (xbar zero outside the image): the 3 x 3 Sobel
    /// conv with the conv's stride, padding and dilation. score[oh, ow] = mean of S over the m x m virtual positions
    /// (oh + a, ow + b), a, b in [0, m), m = <paramref name="smooth"/> (1: S itself), S evaluated by the same rule also
    /// beyond the Sobel conv's own grid (never zero-filled). Overwrites score. See <see cref="Ops.CacScoreMap"/>.
    /// </summary>
    void CacSobelScore(Storage xbar, Storage score, ConvGeometry geometry, int smooth);

    /// <summary>
    /// Score map straight from the conv input x (N, channels, H, W): the channel mean Xbar (sum over channels times
    /// 1/channels) followed by <see cref="CacSobelScore"/>, fused: one read of x, no Xbar tensor.
    /// </summary>
    void CacInputScore(Storage x, int channels, Storage score, ConvGeometry geometry, int smooth);

    /// <summary>y = x &gt; 0 ? 1 : 0 elementwise (the hard mask of a score; strict).</summary>
    void CacStep(Storage x, Storage y);

    /// <summary>
    /// Splits positions by score: writes to order (Int32, count) first the indices i with score[i] &gt; 0 (sharp)
    /// ascending, then the others (smooth) ascending. score: (count). Returns the number of sharp positions.
    /// </summary>
    int CacPartition(Storage score, long count, Storage order);

    /// <summary>
    /// im2col restricted to a position list: cols (Cin*KH*KW, count) with row (c*KH + i)*KW + j holding
    /// x[n, c, oh*s - p + d*i, ow*s - p + d*j] (zero in the padding) for each listed (n, oh, ow).
    /// Group gr owns rows [gr*PatchSize, (gr+1)*PatchSize). Overwrites cols.
    /// </summary>
    void CacGatherWindows(Storage x, Storage idx, long idxOffset, int count, Storage cols, ConvGeometry geometry);

    /// <summary>Adjoint of <see cref="CacGatherWindows"/> (col2im at the listed positions): gx (N, Cin, H, W) += scatter of cols. Accumulates.</summary>
    void CacScatterWindows(Storage cols, Storage idx, long idxOffset, int count, Storage gx, ConvGeometry geometry);

    /// <summary>
    /// Sample pixels of a position list: points (Cin, count) with points[c, j] = x[n, c, oh*s - p + offH, ow*s - p + offW]
    /// (zero in the padding), offsets from <see cref="CacGeometry.SampleOffset"/>. Overwrites points.
    /// </summary>
    void CacGatherPoints(Storage x, Storage idx, long idxOffset, int count, Storage points, ConvGeometry geometry, CacSamplePoint point);

    /// <summary>Adjoint of <see cref="CacGatherPoints"/>: gx (N, Cin, H, W) += scatter of points (Cin, count). Accumulates.</summary>
    void CacScatterPoints(Storage points, Storage idx, long idxOffset, int count, Storage gx, ConvGeometry geometry, CacSamplePoint point);

    /// <summary>
    /// Writes columns back by position: y[n, c, q] = cols[c, j] + bias[c] (bias (channels) or null) for the j-th
    /// listed position n*positions + q. y: (N, channels, positions); other positions are left untouched.
    /// </summary>
    void CacScatterColumns(Storage cols, Storage? bias, Storage idx, long idxOffset, int count, Storage y, int channels, int positions);

    /// <summary>Reads columns by position: cols[c, j] = src[n, c, q] for the j-th listed position n*positions + q. src: (N, channels, positions), cols: (channels, count).</summary>
    void CacGatherColumns(Storage src, Storage idx, long idxOffset, int count, Storage cols, int channels, int positions);

    /// <summary>w_phi[r] = sum over t of w[r, t]: w viewed as (rows, taps), w_phi (rows). The 1 x 1 weight of smooth windows.</summary>
    void CacSumTaps(Storage w, Storage wPhi, int rows, int taps);

    /// <summary>Adjoint of <see cref="CacSumTaps"/>: gw[r, t] += gwPhi[r] for every tap t. Accumulates.</summary>
    void CacSpreadTaps(Storage gwPhi, Storage gw, int rows, int taps);

    /// <summary>
    /// Straight-through gradient of the score (docs/design.md 2.7): gScore[n, q] = sign * sum over c of gy[n, c, q] * y[n, c, q],
    /// sign = +1 where score[n, q] &gt; 0 (sharp: y is Y_sharp there) and -1 elsewhere (smooth: y is Y_smooth).
    /// gy, y: (N, channels, positions); score, gScore: (N, positions). Overwrites gScore.
    /// </summary>
    void CacScoreGrad(Storage gy, Storage y, Storage score, Storage gScore, int n, int channels, int positions);

    /// <summary>
    /// Sample pixels of every output position (the dense path's 1 x 1 input): y (N, Cin, Ho, Wo) with
    /// y[n, c, oh, ow] = x[n, c, oh*s - p + offH, ow*s - p + offW] (zero in the padding). Overwrites y.
    /// </summary>
    void CacSamplePoints(Storage x, Storage y, ConvGeometry geometry, CacSamplePoint point);

    /// <summary>Adjoint of <see cref="CacSamplePoints"/>: gx (N, Cin, H, W) from gy (N, Cin, Ho, Wo). Overwrites gx.</summary>
    void CacSamplePointsBackward(Storage gy, Storage gx, ConvGeometry geometry, CacSamplePoint point);
}

public partial interface IBackend
{
    /// <summary>
    /// Sparse CAC forward at a given partition (see <see cref="CacPartition"/>): y (N, Cout, Ho, Wo) gets, at the positions
    /// order[0, sharp), the full conv with w (Cout, Cin/G, KH, KW) and, at order[sharp, N*Ho*Wo), the 1 x 1 conv with
    /// wPhi (Cout, Cin/G) of the sample pixel; bias (Cout) or null on both. Overwrites y. <see cref="CacSparseComposed"/>
    /// composes it from the gather/scatter kernels above and <see cref="Gemm"/> over the whole batch; a backend may fuse it.
    /// </summary>
    void CacSparseForward(Storage x, Storage w, Storage wPhi, Storage? bias, Storage order, int sharp, Storage y,
        ConvGeometry geometry, CacSamplePoint point);

    /// <summary>
    /// Backward of <see cref="CacSparseForward"/> from gy (N, Cout, Ho, Wo): gx (N, Cin, H, W) and gw (Cout, Cin/G, KH, KW),
    /// each overwritten, or skipped when null; gw includes the gradient of w_phi spread to every tap.
    /// </summary>
    void CacSparseBackward(Storage x, Storage w, Storage wPhi, Storage gy, Storage order, int sharp, Storage? gx, Storage? gw,
        ConvGeometry geometry, CacSamplePoint point);

    /// <summary>
    /// The whole forward of a content-aware layer in one call: scoreMap (N, 1, Ho, Wo) = the score map G of x as
    /// <see cref="CacInputScore"/> with smoothing box <paramref name="smooth"/>; mask (N, 1, Ho, Wo) = 1 where
    /// gamma[0] * G + beta[0] &gt; 0 (computed as <see cref="ScaleShift"/> computes it; gamma and beta are one-element
    /// storages, so no host read is needed), else 0; y (N, Cout, Ho, Wo) as
    /// <see cref="CacSparseForward"/> at that partition (the standard convolution when every window is sharp). Returns
    /// the number of sharp windows. geometry is the conv's. Overwrites scoreMap, mask and y.
    /// <see cref="CacLayerComposed"/> composes it from the kernels above; the CPU backend fuses it per sample.
    /// </summary>
    int CacLayerForward(Storage x, Storage w, Storage wPhi, Storage? bias, Storage gamma, Storage beta, Storage scoreMap,
        Storage mask, Storage y, ConvGeometry geometry, CacSamplePoint point, int smooth);
}

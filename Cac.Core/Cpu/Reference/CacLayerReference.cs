using System.Numerics;

namespace Cac;

/// <summary>
/// The reference of the content-aware (CAC) layer's backend kernels (docs/design.md section 2), as plain loops for float
/// and double: the score map (items 1-2), the hard mask and partition (items 3-4), the sparse convolution at a partition
/// (items 5-6) and its backward. What <see cref="CpuKernelChoice.Reference"/> runs for
/// <see cref="IBackend.CacSparseForward"/>, <see cref="IBackend.CacSparseBackward"/> and
/// <see cref="IBackend.CacLayerForward"/>, and what the tests check the fused and composed kernels against.
/// <para>
/// Shapes use the CAC conv's <see cref="ConvGeometry"/> geometry: x (N, Cin, H, W), w (Cout, Cin/G, KH, KW),
/// w_phi (Cout, Cin/G), bias (Cout), y (N, Cout, Ho, Wo), score map and mask (N, 1, Ho, Wo). An output position is the
/// flat index p = n * Ho * Wo + oh * Wo + ow; order (N * Ho * Wo) lists the sharp positions first (order[0, sharp)),
/// then the smooth ones.
/// </para>
/// </summary>
public static class CacLayerReference
{
    /// <summary>
    /// Sparse CAC forward at a given partition (<see cref="IBackend.CacSparseForward"/>): at a sharp position the full
    /// k x k window sum with w (<see cref="ConvReference"/>'s), at a smooth one the 1 x 1 conv of the window's sample pixel
    /// with w_phi; bias on both. y is overwritten (every position is listed once in order).
    /// </summary>
    public static void SparseForward<T>(T[] x, T[] w, T[] wPhi, T[]? bias, int[] order, int sharp, T[] y, ConvGeometry geometry,
        CacSamplePoint point) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int j = 0; j < geometry.N * geometry.Ho * geometry.Wo; j++)
        {
            var (n, oh, ow) = Position(geometry, order[j]);
            for (int co = 0; co < geometry.Cout; co++)
            {
                T b = bias is null ? T.Zero : bias[co];
                T window = j < sharp ? ConvReference.Window(x, w, geometry, n, co, oh, ow) : SamplePixel(x, wPhi, geometry, point, n, co, oh, ow);
                y[ConvReference.OutputIndex(geometry, n, co, oh, ow)] = b + window;
            }
        }
    }

    /// <summary>
    /// Backward of <see cref="SparseForward{T}"/> (<see cref="IBackend.CacSparseBackward"/>) from gy (N, Cout, Ho, Wo):
    /// gx (N, Cin, H, W) and gw (Cout, Cin/G, KH, KW), each overwritten, or skipped when null. A smooth position's term
    /// w_phi[co, ci] * x[sample pixel] sends its gradient to w_phi; since w_phi[co, ci] = sum over the taps of
    /// w[co, ci, kh, kw], gw[co, ci, kh, kw] gets that gradient at every tap.
    /// </summary>
    public static void SparseBackward<T>(T[] x, T[] w, T[] wPhi, T[] gy, int[] order, int sharp, T[]? gx, T[]? gw, ConvGeometry geometry,
        CacSamplePoint point) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (gx is not null) Array.Clear(gx, 0, geometry.N * geometry.Cin * geometry.H * geometry.W);
        if (gw is not null) Array.Clear(gw, 0, geometry.Cout * geometry.PatchSize);
        var gwPhi = new T[geometry.Cout * geometry.CinPerGroup];                 // (Cout, Cin/G)
        for (int j = 0; j < geometry.N * geometry.Ho * geometry.Wo; j++)
        {
            var (n, oh, ow) = Position(geometry, order[j]);
            for (int co = 0; co < geometry.Cout; co++)
            {
                T gyValue = gy[ConvReference.OutputIndex(geometry, n, co, oh, ow)];
                if (j < sharp) ConvReference.WindowBackward(x, w, gyValue, gx, gw, geometry, n, co, oh, ow);
                else SamplePixelBackward(x, wPhi, gyValue, gx, gwPhi, geometry, point, n, co, oh, ow);
            }
        }
        if (gw is null) return;
        for (int co = 0; co < geometry.Cout; co++)                        // w_phi's gradient spread to every tap
            for (int ci = 0; ci < geometry.CinPerGroup; ci++)
                for (int kh = 0; kh < geometry.KH; kh++)
                    for (int kw = 0; kw < geometry.KW; kw++)
                        gw[ConvReference.WeightIndex(geometry, co, ci, kh, kw)] += gwPhi[co * geometry.CinPerGroup + ci];
    }

    /// <summary>
    /// The whole forward of a content-aware layer (<see cref="IBackend.CacLayerForward"/>): scoreMap = the score map of x
    /// (<see cref="ScoreMap{T}"/>, smoothing box <paramref name="smooth"/>); mask = 1 where gamma * G + beta &gt; 0, else 0;
    /// the partition of the positions by that mask (<see cref="Partition{T}"/>); y = <see cref="SparseForward{T}"/> at it.
    /// scoreMap, mask: (N, 1, Ho, Wo), y: (N, Cout, Ho, Wo), all overwritten. Returns the number of sharp windows.
    /// </summary>
    public static int LayerForward<T>(T[] x, T[] w, T[] wPhi, T[]? bias, T gamma, T beta, T[] scoreMap, T[] mask, T[] y,
        ConvGeometry geometry, CacSamplePoint point, int smooth) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ScoreMap(x, geometry.Cin, scoreMap, geometry, smooth);
        int total = geometry.N * geometry.Ho * geometry.Wo;
        var score = new T[total];
        for (int p = 0; p < total; p++)
        {
            score[p] = scoreMap[p] * gamma + beta;                 // as IBackend.ScaleShift computes it
            mask[p] = score[p] > T.Zero ? T.One : T.Zero;          // strict: a zero score is smooth
        }
        var order = new int[total];
        int sharp = Partition(score, order);
        SparseForward(x, w, wPhi, bias, order, sharp, y, geometry, point);
        return sharp;
    }

    /// <summary>
    /// The score map G (N, 1, Ho, Wo) of x (N, channels, H, W) (<see cref="IBackend.CacInputScore"/>, docs/design.md 2.1-2.2):
    /// the channel mean x̄ = (sum over c of x[n, c]) * (1 / channels), then at each output position the mean over the m x m
    /// virtual positions (oh + a, ow + b), a, b in [0, m), of the Sobel magnitude of x̄ centred at row
    /// (oh + a) * strideH - padH + dilationH and column (ow + b) * strideW - padW + dilationW, m = <paramref name="smooth"/>.
    /// Of the geometry only N, H, W, the stride, padding and dilation and the output size are used (its kernel size sets Ho, Wo).
    /// </summary>
    public static void ScoreMap<T>(T[] x, int channels, T[] score, ConvGeometry geometry, int smooth) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xbar = ChannelMean(x, geometry.N, channels, geometry.H, geometry.W);        // (N, H, W)
        T boxArea = T.CreateTruncating(smooth * smooth);
        for (int n = 0; n < geometry.N; n++)
            for (int oh = 0; oh < geometry.Ho; oh++)
                for (int ow = 0; ow < geometry.Wo; ow++)
                {
                    T sum = T.Zero;
                    for (int a = 0; a < smooth; a++)
                        for (int b = 0; b < smooth; b++)
                        {
                            int row = (oh + a) * geometry.StrideH - geometry.PadH + geometry.DilationH;
                            int col = (ow + b) * geometry.StrideW - geometry.PadW + geometry.DilationW;
                            sum += SobelAt(xbar, geometry.H, geometry.W, n, row, col, geometry.DilationH, geometry.DilationW);
                        }
                    score[(n * geometry.Ho + oh) * geometry.Wo + ow] = sum / boxArea;
                }
    }

    /// <summary>Channel mean of x (N, C, H, W): xbar (N, H, W) = (sum over c of x[n, c]) * (1 / C), summed in channel order.</summary>
    public static T[] ChannelMean<T>(T[] x, int n, int c, int h, int w) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xbar = new T[n * h * w];
        T inverse = T.CreateTruncating(1.0 / c);
        for (int s = 0; s < n; s++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                {
                    T sum = T.Zero;
                    for (int ch = 0; ch < c; ch++) sum += x[((s * c + ch) * h + i) * w + j];
                    xbar[(s * h + i) * w + j] = sum * inverse;
                }
        return xbar;
    }

    /// <summary>
    /// Sobel magnitude sqrt(Gx^2 + Gy^2) of sample s of xbar (N, H, W) centred at (row, col), taps dh rows and dw columns
    /// apart, xbar zero outside the image: Gx = [[1,0,-1],[2,0,-2],[1,0,-1]] (left minus right), Gy = Gx^T (top minus bottom).
    /// </summary>
    public static T SobelAt<T>(T[] xbar, int h, int w, int s, int row, int col, int dh, int dw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T V(int i, int j) => i >= 0 && i < h && j >= 0 && j < w ? xbar[(s * h + i) * w + j] : T.Zero;
        T gx = T.Zero, gy = T.Zero;
        for (int t = -1; t <= 1; t++)
        {
            T weight = t == 0 ? T.CreateTruncating(2) : T.One;     // the Sobel smoothing taps 1, 2, 1
            gx += weight * (V(row + t * dh, col - dw) - V(row + t * dh, col + dw));
            gy += weight * (V(row - dh, col + t * dw) - V(row + dh, col + t * dw));
        }
        return T.Sqrt(gx * gx + gy * gy);
    }

    /// <summary>
    /// <see cref="IBackend.CacPartition"/>: order gets first the positions p with score[p] &gt; 0 (sharp) ascending, then
    /// the others (smooth) ascending. Returns the number of sharp positions.
    /// </summary>
    public static int Partition<T>(T[] score, int[] order) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int next = 0;
        for (int p = 0; p < score.Length; p++) if (score[p] > T.Zero) order[next++] = p;
        int sharp = next;
        for (int p = 0; p < score.Length; p++) if (!(score[p] > T.Zero)) order[next++] = p;
        return sharp;
    }

    // The 1 x 1 conv of a smooth window: sum over ci of w_phi[co, ci] * x[n, gr * Cin/G + ci, sample pixel].
    private static T SamplePixel<T>(T[] x, T[] wPhi, ConvGeometry geometry, CacSamplePoint point, int n, int co, int oh, int ow)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (ih, iw) = SamplePixelOf(geometry, point, oh, ow);
        if (!ConvReference.Inside(geometry, ih, iw)) return T.Zero;
        T sum = T.Zero;
        int group = co / geometry.CoutPerGroup;
        for (int ci = 0; ci < geometry.CinPerGroup; ci++)
            sum += wPhi[co * geometry.CinPerGroup + ci] * x[ConvReference.InputIndex(geometry, n, group * geometry.CinPerGroup + ci, ih, iw)];
        return sum;
    }

    // Adjoint of SamplePixel: gx[sample pixel] += gy * w_phi, gwPhi += gy * x[sample pixel]. Accumulates.
    private static void SamplePixelBackward<T>(T[] x, T[] wPhi, T gyValue, T[]? gx, T[] gwPhi, ConvGeometry geometry, CacSamplePoint point,
        int n, int co, int oh, int ow) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (ih, iw) = SamplePixelOf(geometry, point, oh, ow);
        if (!ConvReference.Inside(geometry, ih, iw)) return;
        int group = co / geometry.CoutPerGroup;
        for (int ci = 0; ci < geometry.CinPerGroup; ci++)
        {
            int input = ConvReference.InputIndex(geometry, n, group * geometry.CinPerGroup + ci, ih, iw);
            if (gx is not null) gx[input] += gyValue * wPhi[co * geometry.CinPerGroup + ci];
            gwPhi[co * geometry.CinPerGroup + ci] += gyValue * x[input];
        }
    }

    // The pixel a smooth window samples (docs/design.md 2.5): (oh * s - p + offH, ow * s - p + offW), CacGeometry.SampleOffset.
    private static (int Ih, int Iw) SamplePixelOf(ConvGeometry geometry, CacSamplePoint point, int oh, int ow)
    {
        var (offH, offW) = CacGeometry.SampleOffset(geometry, point);
        return (oh * geometry.StrideH - geometry.PadH + offH, ow * geometry.StrideW - geometry.PadW + offW);
    }

    // Output position p = n * Ho * Wo + oh * Wo + ow as (n, oh, ow).
    private static (int N, int Oh, int Ow) Position(ConvGeometry geometry, int p)
    {
        int positions = geometry.Ho * geometry.Wo, q = p % positions;
        return (p / positions, q / geometry.Wo, q % geometry.Wo);
    }
}

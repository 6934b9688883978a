using System.Numerics;
using System.Runtime.CompilerServices;

namespace Cac.Cpu.Kernels;

/// <summary>
/// CPU kernels of the CAC score: Sobel score map, hard mask and the straight-through score gradient.
/// Contracts in IBackend.Cac.cs; samples run in parallel.
/// <para>
/// GPU twin: Cac.Gpu/Kernels/CacScoreKernels.cs.
/// Reference: Cac.Core/Cpu/Reference/CacLayerReference.cs.
/// Checked against: Cac.Tests/ContentAware/CacScoreMapTests.cs.
/// </para>
/// </summary>
internal static class CacScoreKernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly T Two = T.CreateTruncating(2);

    // xbar: (N, 1, H, W) -> score: (N, 1, Ho, Wo); m: side of the smoothing box (1 = none).
    public static void Sobel(T[] xbar, T[] score, ConvGeometry geometry, int m) =>
        CpuParallel.For(geometry.N, 1, (n0, n1) => SobelSamples(xbar, score, geometry, m, (int)n0, (int)n1));

    // x: (N, channels, H, W) -> score: (N, 1, Ho, Wo), the channel mean taken per sample on the fly (no Xbar tensor).
    public static void InputSobel(T[] x, int channels, T[] score, ConvGeometry geometry, int m) =>
        CpuParallel.For(geometry.N, 1, (n0, n1) => InputSobelSamples(x, channels, score, geometry, m, (int)n0, (int)n1));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SobelSamples(T[] xbar, T[] score, ConvGeometry geometry, int m, int n0, int n1)
    {
        var padded = PaddedPlane(geometry, m);
        var grid = SobelGrid(geometry, m);
        for (int n = n0; n < n1; n++) SobelSample(xbar, n * geometry.H * geometry.W, score, n, geometry, m, padded, grid);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputSobelSamples(T[] x, int channels, T[] score, ConvGeometry geometry, int m, int n0, int n1)
    {
        int hw = geometry.H * geometry.W;
        var mean = new T[hw];
        var padded = PaddedPlane(geometry, m);
        var grid = SobelGrid(geometry, m);
        for (int n = n0; n < n1; n++)
        {
            ChannelMean(x.AsSpan(n * channels * hw, channels * hw), channels, mean);
            SobelSample(mean, 0, score, n, geometry, m, padded, grid);
        }
    }

    /// <summary>
    /// Per-worker scratch for scoring one sample at a time (the fused layer forward): the same channel mean and Sobel
    /// as <see cref="InputSobel"/>. geometry is the score's (only H, W, Ho, Wo, stride, padding and dilation are used).
    /// </summary>
    internal sealed class SampleScorer(ConvGeometry geometry, int channels, int m)
    {
        private readonly T[] _mean = new T[geometry.H * geometry.W];
        private readonly T[]? _padded = PaddedPlane(geometry, m);
        private readonly T[]? _grid = SobelGrid(geometry, m);

        /// <summary>score[n * Ho * Wo ..] = the score map of sample n of x (N, channels, H, W).</summary>
        public void Score(T[] x, int n, T[] score)
        {
            int hw = geometry.H * geometry.W;
            ChannelMean(x.AsSpan(n * channels * hw, channels * hw), channels, _mean);
            SobelSample(_mean, 0, score, n, geometry, m, _padded, _grid);
        }
    }

    // mean = (sum over c of x[c]) * (1 / channels), summed in channel order. x: (channels, hw), mean: (hw).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ChannelMean(ReadOnlySpan<T> x, int channels, Span<T> mean)
    {
        int hw = mean.Length, vc = Vector<T>.Count;
        x[..hw].CopyTo(mean);
        for (int c = 1; c < channels; c++)
        {
            var plane = x.Slice(c * hw, hw);
            int i = 0;
            for (; i + vc <= hw; i += vc) (new Vector<T>(mean[i..]) + new Vector<T>(plane[i..])).CopyTo(mean[i..]);
            for (; i < hw; i++) mean[i] += plane[i];
        }
        T inv = T.CreateTruncating(1.0 / channels);
        int j = 0;
        for (; j + vc <= hw; j += vc) (new Vector<T>(mean[j..]) * inv).CopyTo(mean[j..]);
        for (; j < hw; j++) mean[j] *= inv;
    }

    // The zero-bordered plane of the stride-1 path (null for the general path).
    private static T[]? PaddedPlane(ConvGeometry geometry, int m) =>
        geometry.StrideH == 1 && geometry.StrideW == 1 && m == 1
            ? new T[(geometry.H + 2 * (geometry.PadH + geometry.DilationH)) * (geometry.W + 2 * (geometry.PadW + geometry.DilationW))]
            : null;

    // The (Ho + m - 1, Wo + m - 1) Sobel magnitudes that the m x m box of the general path averages (null when m == 1).
    private static T[]? SobelGrid(ConvGeometry geometry, int m) =>
        m > 1 ? new T[(geometry.Ho + m - 1) * (geometry.Wo + m - 1)] : null;

    // Score of sample n from its Xbar plane xbar[plane .. plane + H*W). Virtual position (vh, vw), vh in [0, Ho + m - 1),
    // holds the Sobel magnitude centred at row vh*s - p + d, column vw*s - p + d (the reference's stride-s Sobel conv);
    // score[oh, ow] = mean of the m x m virtual positions (oh + a, ow + b), a, b in [0, m) (its stride-1 avg_pool).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SobelSample(T[] xbar, int plane, T[] score, int n, ConvGeometry geometry, int m, T[]? padded, T[]? grid)
    {
        if (padded is not null)
        {
            SobelStride1(xbar, plane, score, n, geometry, padded);
            return;
        }
        int ho = geometry.Ho, wo = geometry.Wo, h = geometry.H, w = geometry.W;
        int outPlane = n * ho * wo;
        if (grid is null)
        {
            for (int oh = 0; oh < ho; oh++)
                for (int ow = 0; ow < wo; ow++)
                    score[outPlane + oh * wo + ow] = Magnitude(xbar, plane, h, w, geometry, oh, ow);
            return;
        }
        int gh = ho + m - 1, gw = wo + m - 1;
        for (int vh = 0; vh < gh; vh++)
            for (int vw = 0; vw < gw; vw++)
                grid[vh * gw + vw] = Magnitude(xbar, plane, h, w, geometry, vh, vw);
        T inv = T.One / T.CreateTruncating(m * m);
        for (int oh = 0; oh < ho; oh++)
            for (int ow = 0; ow < wo; ow++)
            {
                T sum = T.Zero;
                for (int a = 0; a < m; a++)
                    for (int b = 0; b < m; b++)
                        sum += grid[(oh + a) * gw + ow + b];
                score[outPlane + oh * wo + ow] = sum * inv;
            }
    }

    // Stride 1, no smoothing: Xbar is copied into a zero-bordered plane (border pad + dilation on every side, enough
    // for every Sobel tap), then each output row is computed a vector of positions at a time.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SobelStride1(T[] xbar, int plane, T[] score, int n, ConvGeometry geometry, T[] padded)
    {
        int h = geometry.H, w = geometry.W, ho = geometry.Ho, wo = geometry.Wo, dh = geometry.DilationH, dw = geometry.DilationW;
        int bh = geometry.PadH + dh, bw = geometry.PadW + dw, wp = w + 2 * bw, vc = Vector<T>.Count;
        // Sobel centre of output (oh, ow), (oh - p + d, ow - p + d), in padded coordinates: (oh + offH, ow + offW). Only
        // k <= 3 reaches this path (m == 1 at stride 1), where that is the window centre for k = 3.
        int offH = bh - geometry.PadH + dh, offW = bw - geometry.PadW + dw;
        var two = new Vector<T>(Two);
        for (int r = 0; r < h; r++) xbar.AsSpan(plane + r * w, w).CopyTo(padded.AsSpan((r + bh) * wp + bw, w));
        for (int oh = 0; oh < ho; oh++)
        {
            // Rows above, at and below the centres, from the left tap's column: left = [ow], centre = [ow + dw], right = [ow + 2 dw].
            var top = padded.AsSpan((oh + offH - dh) * wp + offW - dw);
            var mid = padded.AsSpan((oh + offH) * wp + offW - dw);
            var bot = padded.AsSpan((oh + offH + dh) * wp + offW - dw);
            var dst = score.AsSpan(n * ho * wo + oh * wo, wo);
            int ow = 0;
            for (; ow + vc <= wo; ow += vc)
            {
                var tl = new Vector<T>(top[ow..]); var tc = new Vector<T>(top[(ow + dw)..]); var tr = new Vector<T>(top[(ow + 2 * dw)..]);
                var ml = new Vector<T>(mid[ow..]); var mr = new Vector<T>(mid[(ow + 2 * dw)..]);
                var bl = new Vector<T>(bot[ow..]); var bc = new Vector<T>(bot[(ow + dw)..]); var br = new Vector<T>(bot[(ow + 2 * dw)..]);
                var gx = (tl - tr) + two * (ml - mr) + (bl - br);
                var gy = (tl - bl) + two * (tc - bc) + (tr - br);
                Vector.SquareRoot(gx * gx + gy * gy).CopyTo(dst[ow..]);
            }
            for (; ow < wo; ow++)
            {
                T tl = top[ow], tc = top[ow + dw], tr = top[ow + 2 * dw], ml = mid[ow], mr = mid[ow + 2 * dw];
                T bl = bot[ow], bc = bot[ow + dw], br = bot[ow + 2 * dw];
                T gx = (tl - tr) + Two * (ml - mr) + (bl - br);
                T gy = (tl - bl) + Two * (tc - bc) + (tr - br);
                dst[ow] = T.Sqrt(gx * gx + gy * gy);
            }
        }
    }

    // Sobel magnitude of virtual position (vh, vw): centred at row vh*s - p + d, column vw*s - p + d, taps d apart.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Magnitude(T[] x, int plane, int h, int w, ConvGeometry geometry, int vh, int vw)
    {
        int ch = vh * geometry.StrideH - geometry.PadH + geometry.DilationH;
        int cw = vw * geometry.StrideW - geometry.PadW + geometry.DilationW;
        int dh = geometry.DilationH, dw = geometry.DilationW;
        T tl = At(x, plane, h, w, ch - dh, cw - dw), tc = At(x, plane, h, w, ch - dh, cw), tr = At(x, plane, h, w, ch - dh, cw + dw);
        T ml = At(x, plane, h, w, ch, cw - dw), mr = At(x, plane, h, w, ch, cw + dw);
        T bl = At(x, plane, h, w, ch + dh, cw - dw), bc = At(x, plane, h, w, ch + dh, cw), br = At(x, plane, h, w, ch + dh, cw + dw);
        // Cross-correlation with [[1,0,-1],[2,0,-2],[1,0,-1]] and its transpose.
        T gx = (tl - tr) + Two * (ml - mr) + (bl - br);
        T gy = (tl - bl) + Two * (tc - bc) + (tr - br);
        return T.Sqrt(gx * gx + gy * gy);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T At(T[] x, int plane, int h, int w, int r, int c) => (uint)r < (uint)h && (uint)c < (uint)w ? x[plane + r * w + c] : T.Zero;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Step(T[] x, T[] y)
    {
        var xs = x.AsSpan();
        var ys = y.AsSpan(0, xs.Length);
        int i = 0, vc = Vector<T>.Count;
        for (; i + vc <= xs.Length; i += vc)
            Vector.ConditionalSelect(Vector.GreaterThan(new Vector<T>(xs[i..]), Vector<T>.Zero), Vector<T>.One, Vector<T>.Zero).CopyTo(ys[i..]);
        for (; i < xs.Length; i++) ys[i] = xs[i] > T.Zero ? T.One : T.Zero;
    }

    // gy, y: (N, C, P); score, gScore: (N, P).
    public static void ScoreGrad(T[] gy, T[] y, T[] score, T[] gScore, int n, int channels, int positions)
    {
        CpuParallel.For(n, 1, (n0, n1) =>
        {
            for (long s = n0; s < n1; s++)
            {
                var acc = gScore.AsSpan((int)(s * positions), positions);
                acc.Clear();
                for (int c = 0; c < channels; c++)
                {
                    int off = (int)((s * channels + c) * positions);
                    var a = gy.AsSpan(off, positions);
                    var b = y.AsSpan(off, positions);
                    int q = 0;
                    for (; q + Vector<T>.Count <= positions; q += Vector<T>.Count)
                        (new Vector<T>(acc[q..]) + new Vector<T>(a[q..]) * new Vector<T>(b[q..])).CopyTo(acc[q..]);
                    for (; q < positions; q++) acc[q] += a[q] * b[q];
                }
                var sc = score.AsSpan((int)(s * positions), positions);
                for (int q = 0; q < positions; q++) if (!(sc[q] > T.Zero)) acc[q] = -acc[q];
            }
        });
    }
}

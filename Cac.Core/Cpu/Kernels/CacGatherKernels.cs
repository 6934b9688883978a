using System.Numerics;

namespace Cac.Cpu.Kernels;

/// <summary>
/// CPU gather/scatter kernels of the sparse CAC path (contracts in IBackend.Cac.cs). A position list idx holds flat
/// output positions n*Ho*Wo + oh*Wo + ow; windows of x (N, Cin, H, W) are gathered into cols (Cin*KH*KW, count) and
/// scattered back, sample pixels into points (Cin, count), columns of (N, channels, positions) tensors into
/// (channels, count) and back. Column blocks of a position list are decoded once into small per-thread tables, then
/// every row of the column matrix is filled with a tight loop. Gathers split the list into column chunks; scatter-adds
/// whose targets can overlap (windows) split it at sample boundaries, so threads never write the same pixel.
/// <para>
/// GPU twin: Cac.Gpu/Kernels/CacGatherKernels.cs.
/// Reference: Cac.Core/Cpu/Reference/CacLayerReference.cs.
/// Checked against: Cac.Tests/ContentAware/CacConvTests.cs, Cac.Tests/ContentAware/CacSparseKernelTests.cs.
/// </para>
/// </summary>
internal static class CacGatherKernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Block = 256;
    private const long Grain = 512;

    // Decodes positions idx[off + j0 .. + len) into window origin (row, col) and the sample's offset in x.
    private static void Decode(int[] idx, long off, long j0, int len, ConvGeometry geometry, int offH, int offW,
        Span<int> baseH, Span<int> baseW, Span<int> sample)
    {
        int howo = geometry.Ho * geometry.Wo, wo = geometry.Wo, plane = geometry.Cin * geometry.H * geometry.W;
        for (int t = 0; t < len; t++)
        {
            int p = idx[off + j0 + t];
            int n = p / howo, r = p - n * howo, oh = r / wo, ow = r - oh * wo;
            baseH[t] = oh * geometry.StrideH - geometry.PadH + offH;
            baseW[t] = ow * geometry.StrideW - geometry.PadW + offW;
            sample[t] = n * plane;
        }
    }

    // x: (N, Cin, H, W) -> cols: (Cin*KH*KW, count).
    public static void GatherWindows(T[] x, int[] idx, long off, int count, T[] cols, ConvGeometry geometry)
    {
        int h = geometry.H, w = geometry.W, hw = h * w;
        CpuParallel.For(count, Grain, (j0, j1) =>
        {
            Span<int> bh = stackalloc int[Block], bw = stackalloc int[Block], bn = stackalloc int[Block];
            for (long jb = j0; jb < j1; jb += Block)
            {
                int len = (int)Math.Min(Block, j1 - jb);
                Decode(idx, off, jb, len, geometry, 0, 0, bh, bw, bn);
                for (int c = 0; c < geometry.Cin; c++)
                    for (int i = 0; i < geometry.KH; i++)
                        for (int j = 0; j < geometry.KW; j++)
                        {
                            long row = (c * geometry.KH + i) * geometry.KW + j;
                            var dst = cols.AsSpan((int)(row * count + jb), len);
                            int di = i * geometry.DilationH, dj = j * geometry.DilationW, co = c * hw;
                            for (int t = 0; t < len; t++)
                            {
                                int ih = bh[t] + di, iw = bw[t] + dj;
                                dst[t] = (uint)ih < (uint)h && (uint)iw < (uint)w ? x[bn[t] + co + ih * w + iw] : T.Zero;
                            }
                        }
            }
        });
    }

    // gx: (N, Cin, H, W) += col2im of cols: (Cin*KH*KW, count) at the listed windows.
    public static void ScatterWindows(T[] cols, int[] idx, long off, int count, T[] gx, ConvGeometry geometry)
    {
        if (count == 0) return;
        int h = geometry.H, w = geometry.W, hw = h * w, howo = geometry.Ho * geometry.Wo;
        int first = idx[off] / howo, last = idx[off + count - 1] / howo;
        CpuParallel.For(last - first + 1, 1, (s0, s1) =>
        {
            Span<int> bh = stackalloc int[Block], bw = stackalloc int[Block], bn = stackalloc int[Block];
            long j0 = LowerBound(idx, off, count, (first + (int)s0) * howo);
            long j1 = LowerBound(idx, off, count, (first + (int)s1) * howo);
            for (long jb = j0; jb < j1; jb += Block)
            {
                int len = (int)Math.Min(Block, j1 - jb);
                Decode(idx, off, jb, len, geometry, 0, 0, bh, bw, bn);
                for (int c = 0; c < geometry.Cin; c++)
                    for (int i = 0; i < geometry.KH; i++)
                        for (int j = 0; j < geometry.KW; j++)
                        {
                            long row = (c * geometry.KH + i) * geometry.KW + j;
                            var src = cols.AsSpan((int)(row * count + jb), len);
                            int di = i * geometry.DilationH, dj = j * geometry.DilationW, co = c * hw;
                            for (int t = 0; t < len; t++)
                            {
                                int ih = bh[t] + di, iw = bw[t] + dj;
                                if ((uint)ih < (uint)h && (uint)iw < (uint)w) gx[bn[t] + co + ih * w + iw] += src[t];
                            }
                        }
            }
        });
    }

    // First j in [0, count) with idx[off + j] >= value.
    private static long LowerBound(int[] idx, long off, int count, int value)
    {
        long lo = 0, hi = count;
        while (lo < hi)
        {
            long mid = (lo + hi) >> 1;
            if (idx[off + mid] < value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    // Gather: points (Cin, count) = x at the sample pixels. Scatter: x += points there (x is then gx).
    // Distinct positions sample distinct pixels (stride >= 1), so column chunks never collide.
    public static void Points(T[] x, int[] idx, long off, int count, T[] points, ConvGeometry geometry, CacSamplePoint point, bool scatter)
    {
        int h = geometry.H, w = geometry.W, hw = h * w;
        var (offH, offW) = CacGeometry.SampleOffset(geometry, point);
        CpuParallel.For(count, Grain, (j0, j1) =>
        {
            Span<int> bh = stackalloc int[Block], bw = stackalloc int[Block], bn = stackalloc int[Block];
            Span<int> at = stackalloc int[Block];
            for (long jb = j0; jb < j1; jb += Block)
            {
                int len = (int)Math.Min(Block, j1 - jb);
                Decode(idx, off, jb, len, geometry, offH, offW, bh, bw, bn);
                for (int t = 0; t < len; t++)
                    at[t] = (uint)bh[t] < (uint)h && (uint)bw[t] < (uint)w ? bn[t] + bh[t] * w + bw[t] : -1;
                for (int c = 0; c < geometry.Cin; c++)
                {
                    var p = points.AsSpan((int)(c * (long)count + jb), len);
                    int co = c * hw;
                    if (scatter)
                    {
                        for (int t = 0; t < len; t++) if (at[t] >= 0) x[at[t] + co] += p[t];
                    }
                    else
                    {
                        for (int t = 0; t < len; t++) p[t] = at[t] >= 0 ? x[at[t] + co] : T.Zero;
                    }
                }
            }
        });
    }

    // y: (N, C, P) at listed positions = cols: (C, count) + bias.
    public static void ScatterColumns(T[] cols, T[]? bias, int[] idx, long off, int count, T[] y, int channels, int positions)
    {
        CpuParallel.For(count, Grain, (j0, j1) =>
        {
            Span<int> at = stackalloc int[Block];
            for (long jb = j0; jb < j1; jb += Block)
            {
                int len = (int)Math.Min(Block, j1 - jb);
                Locate(idx, off, jb, len, channels, positions, at);
                for (int c = 0; c < channels; c++)
                {
                    var src = cols.AsSpan((int)(c * (long)count + jb), len);
                    T b = bias is null ? T.Zero : bias[c];
                    int co = c * positions;
                    for (int t = 0; t < len; t++) y[at[t] + co] = src[t] + b;
                }
            }
        });
    }

    // cols: (C, count) = src: (N, C, P) at listed positions.
    public static void GatherColumns(T[] src, int[] idx, long off, int count, T[] cols, int channels, int positions)
    {
        CpuParallel.For(count, Grain, (j0, j1) =>
        {
            Span<int> at = stackalloc int[Block];
            for (long jb = j0; jb < j1; jb += Block)
            {
                int len = (int)Math.Min(Block, j1 - jb);
                Locate(idx, off, jb, len, channels, positions, at);
                for (int c = 0; c < channels; c++)
                {
                    var dst = cols.AsSpan((int)(c * (long)count + jb), len);
                    int co = c * positions;
                    for (int t = 0; t < len; t++) dst[t] = src[at[t] + co];
                }
            }
        });
    }

    // at[t] = offset of channel 0 of the listed position in an (N, C, P) tensor.
    private static void Locate(int[] idx, long off, long j0, int len, int channels, int positions, Span<int> at)
    {
        for (int t = 0; t < len; t++)
        {
            int p = idx[off + j0 + t];
            int n = p / positions;
            at[t] = n * channels * positions + (p - n * positions);
        }
    }

    // w: (rows, taps) -> wPhi: (rows).
    public static void SumTaps(T[] w, T[] wPhi, int rows, int taps)
    {
        for (int r = 0; r < rows; r++)
        {
            T s = T.Zero;
            for (int t = 0; t < taps; t++) s += w[r * taps + t];
            wPhi[r] = s;
        }
    }

    // gw: (rows, taps) += gwPhi: (rows) broadcast over taps.
    public static void SpreadTaps(T[] gwPhi, T[] gw, int rows, int taps)
    {
        for (int r = 0; r < rows; r++)
            for (int t = 0; t < taps; t++) gw[r * taps + t] += gwPhi[r];
    }

    // Forward: y (N, Cin, Ho, Wo) = x (N, Cin, H, W) at the sample pixels. Backward: x is gx, y is gy; gx is overwritten.
    public static void SamplePoints(T[] x, T[] y, ConvGeometry geometry, CacSamplePoint point, bool backward)
    {
        var (offH, offW) = CacGeometry.SampleOffset(geometry, point);
        int h = geometry.H, w = geometry.W, ho = geometry.Ho, wo = geometry.Wo;
        CpuParallel.For((long)geometry.N * geometry.Cin, 8, (p0, p1) =>
        {
            for (long plane = p0; plane < p1; plane++)
            {
                int xo = (int)(plane * h * w), yo = (int)(plane * ho * wo);
                if (backward) Array.Clear(x, xo, h * w);
                for (int oh = 0; oh < ho; oh++)
                {
                    int ih = oh * geometry.StrideH - geometry.PadH + offH;
                    for (int ow = 0; ow < wo; ow++)
                    {
                        int iw = ow * geometry.StrideW - geometry.PadW + offW;
                        bool inside = (uint)ih < (uint)h && (uint)iw < (uint)w;
                        if (backward) { if (inside) x[xo + ih * w + iw] += y[yo + oh * wo + ow]; }
                        else y[yo + oh * wo + ow] = inside ? x[xo + ih * w + iw] : T.Zero;
                    }
                }
            }
        });
    }
}

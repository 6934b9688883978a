using System.Buffers;
using System.Numerics;

namespace Cac;

/// <summary>
/// 2-D convolution on the CPU as im2col + GEMM, per sample and group. With g = group, per sample:
/// col_g = im2col(x_g): (Cin/G * KH * KW, Ho * Wo); y_g (Cout/G, Ho * Wo) = W_g (Cout/G, Cin/G * KH * KW) @ col_g.
/// Work is split over the batch (each worker owns one pooled col buffer and runs single-threaded GEMMs);
/// with fewer samples than cores the GEMMs themselves go parallel. 1 x 1, stride-1, unpadded convs use x
/// directly as the GEMM operand.
/// </summary>
internal static class CpuConv<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static bool IsPointwise(ConvGeometry g) =>
        g.KH == 1 && g.KW == 1 && g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0;

    private static bool BatchParallel(ConvGeometry g) => g.N >= Environment.ProcessorCount && Environment.ProcessorCount > 1;

    /// <summary>Runs body(nStart, nEnd, col) over the batch, with a col buffer per worker.</summary>
    private static void ForBatch(ConvGeometry g, Action<int, int, T[]> body)
    {
        int colLength = IsPointwise(g) ? 0 : g.PatchSize * g.Ho * g.Wo;
        if (!BatchParallel(g))
        {
            WithCol(colLength, col => body(0, g.N, col));
            return;
        }
        CpuParallel.For(g.N, 1, (start, end) => WithCol(colLength, col => body((int)start, (int)end, col)));
    }

    private static void WithCol(int length, Action<T[]> body)
    {
        var col = ArrayPool<T>.Shared.Rent(Math.Max(length, 1));
        try { body(col); }
        finally { ArrayPool<T>.Shared.Return(col); }
    }

    /// <summary>y = conv(x, w) + bias. x: (N, Cin, H, W), w: (Cout, Cin/G, KH, KW), bias: (Cout) or null, y: (N, Cout, Ho, Wo).</summary>
    public static void Forward(T[] x, T[] w, T[]? bias, T[] y, ConvGeometry g)
    {
        int plane = g.Ho * g.Wo, hw = g.H * g.W;
        int coutG = g.CoutPerGroup, cinG = g.CinPerGroup, patch = g.PatchSize;
        bool pointwise = IsPointwise(g), gemmParallel = !BatchParallel(g);
        ForBatch(g, (start, end, col) =>
        {
            for (int n = start; n < end; n++)
                for (int gi = 0; gi < g.Groups; gi++)
                {
                    long yOff = ((long)n * g.Cout + gi * coutG) * plane;
                    long xOff = ((long)n * g.Cin + gi * cinG) * hw;
                    // Bias first, then the GEMM accumulates onto it (beta = 1).
                    if (bias is not null)
                        for (int co = 0; co < coutG; co++)
                            y.AsSpan((int)(yOff + (long)co * plane), plane).Fill(bias[gi * coutG + co]);
                    T beta = bias is null ? T.Zero : T.One;
                    var wg = new StridedMatrix<T>(w, (long)gi * coutG * patch, patch, 1);
                    StridedMatrix<T> b;
                    if (pointwise)
                    {
                        b = new StridedMatrix<T>(x, xOff, hw, 1);
                    }
                    else
                    {
                        Im2Col<T>.Unfold(x, xOff, g, col);
                        b = new StridedMatrix<T>(col, 0, plane, 1);
                    }
                    CpuGemm<T>.Multiply(coutG, plane, patch, T.One, wg, b, beta, y, yOff, plane, gemmParallel);
                }
        });
    }

    /// <summary>gx = dL/dx. gy: (N, Cout, Ho, Wo), w: (Cout, Cin/G, KH, KW), gx: (N, Cin, H, W), overwritten.</summary>
    public static void BackwardInput(T[] gy, T[] w, T[] gx, ConvGeometry g)
    {
        int plane = g.Ho * g.Wo, hw = g.H * g.W;
        int coutG = g.CoutPerGroup, cinG = g.CinPerGroup, patch = g.PatchSize;
        bool pointwise = IsPointwise(g), gemmParallel = !BatchParallel(g);
        ForBatch(g, (start, end, col) =>
        {
            for (int n = start; n < end; n++)
            {
                if (!pointwise) gx.AsSpan((int)((long)n * g.Cin * hw), g.Cin * hw).Clear();
                for (int gi = 0; gi < g.Groups; gi++)
                {
                    long gyOff = ((long)n * g.Cout + gi * coutG) * plane;
                    long gxOff = ((long)n * g.Cin + gi * cinG) * hw;
                    // W_g^T: (patch, coutG), stored (coutG, patch).
                    var wgT = new StridedMatrix<T>(w, (long)gi * coutG * patch, 1, patch);
                    var gyg = new StridedMatrix<T>(gy, gyOff, plane, 1);
                    if (pointwise)
                    {
                        CpuGemm<T>.Multiply(patch, plane, coutG, T.One, wgT, gyg, T.Zero, gx, gxOff, plane, gemmParallel);
                    }
                    else
                    {
                        CpuGemm<T>.Multiply(patch, plane, coutG, T.One, wgT, gyg, T.Zero, col, 0, plane, gemmParallel);
                        Im2Col<T>.FoldAdd(col, gx, gxOff, g);
                    }
                }
            }
        });
    }

    /// <summary>
    /// gw = dL/dw = sum over the batch of gy_g @ col_g^T. x: (N, Cin, H, W), gy: (N, Cout, Ho, Wo), gw: (Cout, Cin/G, KH, KW),
    /// overwritten. Each worker sums a contiguous slice of the batch into its own buffer (worker 0 into gw);
    /// the buffers are then added in worker order, so the result does not depend on scheduling.
    /// </summary>
    public static void BackwardWeight(T[] x, T[] gy, T[] gw, ConvGeometry g)
    {
        int plane = g.Ho * g.Wo, hw = g.H * g.W;
        int coutG = g.CoutPerGroup, cinG = g.CinPerGroup, patch = g.PatchSize;
        int gwLength = g.Cout * patch;
        bool pointwise = IsPointwise(g), batchParallel = BatchParallel(g);
        if (g.N == 0)
        {
            gw.AsSpan(0, gwLength).Clear();
            return;
        }
        int workers = batchParallel ? Math.Min(Environment.ProcessorCount, g.N) : 1;
        var partials = new T[]?[workers];
        int colLength = pointwise ? 1 : patch * plane;

        void Worker(int worker)
        {
            int start = (int)((long)g.N * worker / workers), end = (int)((long)g.N * (worker + 1) / workers);
            var target = worker == 0 ? gw : partials[worker] = ArrayPool<T>.Shared.Rent(gwLength);
            WithCol(colLength, col =>
            {
                for (int n = start; n < end; n++)
                {
                    // The worker's first sample overwrites its buffer; later ones accumulate.
                    T beta = n == start ? T.Zero : T.One;
                    for (int gi = 0; gi < g.Groups; gi++)
                    {
                        long gyOff = ((long)n * g.Cout + gi * coutG) * plane;
                        long xOff = ((long)n * g.Cin + gi * cinG) * hw;
                        var gyg = new StridedMatrix<T>(gy, gyOff, plane, 1);
                        // col^T: (plane, patch), col stored (patch, plane); for 1 x 1 convs col is x_g itself.
                        StridedMatrix<T> colT;
                        if (pointwise)
                        {
                            colT = new StridedMatrix<T>(x, xOff, 1, hw);
                        }
                        else
                        {
                            Im2Col<T>.Unfold(x, xOff, g, col);
                            colT = new StridedMatrix<T>(col, 0, 1, plane);
                        }
                        CpuGemm<T>.Multiply(coutG, patch, plane, T.One, gyg, colT, beta, target, (long)gi * coutG * patch, patch, !batchParallel);
                    }
                }
            });
        }

        if (workers == 1) Worker(0);
        else CpuParallel.For(workers, 1, (start, end) =>
        {
            for (long worker = start; worker < end; worker++) Worker((int)worker);
        });

        for (int worker = 1; worker < workers; worker++)
        {
            var partial = partials[worker]!;
            Add(partial.AsSpan(0, gwLength), gw.AsSpan(0, gwLength));
            ArrayPool<T>.Shared.Return(partial);
        }
    }

    // dst += src, SIMD.
    private static void Add(ReadOnlySpan<T> src, Span<T> dst)
    {
        int i = 0, w = Vector<T>.Count;
        for (; i + w <= src.Length; i += w)
            (new Vector<T>(dst[i..]) + new Vector<T>(src[i..])).CopyTo(dst[i..]);
        for (; i < src.Length; i++) dst[i] += src[i];
    }
}

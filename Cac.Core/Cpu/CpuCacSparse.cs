using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cac;

/// <summary>
/// The sparse CAC convolution on the CPU, fused so that everything stays in cache, like CpuConv's im2col + GEMM.
/// The batch is split over the workers; each worker walks its samples in small blocks (a few samples, sized so the
/// gathered columns stay near a megabyte). Per block: the samples are copied once into zero-bordered buffers
/// (window reads then need no bounds checks); the P sharp windows are gathered into columns (Cin*k*k, P) and
/// multiplied by W_g (one single-threaded GEMM per group); the Q smooth windows' sample pixels (Cin, Q) go through
/// a direct SIMD 1 x 1 kernel with w_phi; both results are written into y by position. With fewer samples than
/// cores the GEMMs go parallel instead. The weight gradient is summed per worker and the partial sums added in
/// worker order, so results do not depend on scheduling. Contracts: IBackend.CacSparseForward / CacSparseBackward.
/// </summary>
internal static class CpuCacSparse<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // Gathered columns per block stay near this many elements (about 1 MB of floats).
    private const int BlockElements = 1 << 18;

    // Geometry of one call, with the per-sample partition of the position list.
    private sealed class Plan
    {
        public Plan(int[] order, int sharp, ConvGeometry g)
        {
            G = g;
            Order = order;
            Positions = g.Ho * g.Wo;
            Wp = g.W + 2 * g.PadW;
            PaddedPlane = (g.H + 2 * g.PadH) * Wp;
            PaddedSample = g.Cin * PaddedPlane;
            SharpStart = Starts(order, 0, sharp, g.N, Positions);
            SmoothStart = Starts(order, sharp, g.N * Positions - sharp, g.N, Positions);
            SamplesPerBlock = Math.Clamp(BlockElements / Math.Max(1, g.Cin * g.KH * g.KW * Positions), 1, Math.Max(1, g.N));
            BlockColumns = SamplesPerBlock * Positions;
        }

        public ConvGeometry G { get; }
        public int[] Order { get; }
        public int Positions { get; }
        public int Wp { get; }
        public int PaddedPlane { get; }
        public int PaddedSample { get; }
        public int[] SharpStart { get; }    // sample n's sharp entries: order[SharpStart[n] .. SharpStart[n+1])
        public int[] SmoothStart { get; }   // likewise for smooth entries (absolute indices into order)
        public int SamplesPerBlock { get; }
        public int BlockColumns { get; }

        // For entries order[start .. start+count), all of samples n0.., writes bases[t], the window origin in the
        // block's padded buffer, and outs[t], the offset of (n, channel 0, q) in a (N, Cout, Ho*Wo) tensor.
        public void Locate(int start, int count, int n0, Span<int> bases, Span<int> outs)
        {
            int positions = Positions, wo = G.Wo, sh = G.StrideH * Wp, sw = G.StrideW, sample = PaddedSample, cout = G.Cout;
            for (int t = 0; t < count; t++)
            {
                int p = Order[start + t];
                int n = p / positions, q = p - n * positions, oh = q / wo, ow = q - oh * wo;
                bases[t] = (n - n0) * sample + oh * sh + ow * sw;
                outs[t] = n * cout * positions + q;
            }
        }

        private static int[] Starts(int[] order, int offset, int count, int n, int positions)
        {
            var starts = new int[n + 1];
            int j = 0;
            for (int s = 0; s <= n; s++)
            {
                int bound = s * positions;
                while (j < count && order[offset + j] < bound) j++;
                starts[s] = offset + j;
            }
            return starts;
        }
    }

    private static int Chunks(ConvGeometry g) =>
        g.N >= Environment.ProcessorCount && Environment.ProcessorCount > 1 ? Math.Min(Environment.ProcessorCount, g.N) : 1;

    // Runs body(chunk, nStart, nEnd) over the batch in a fixed number of chunks.
    private static void ForChunks(ConvGeometry g, Action<int, int, int> body)
    {
        int chunks = Chunks(g);
        if (chunks == 1) { body(0, 0, g.N); return; }
        CpuParallel.For(chunks, 1, (c0, c1) =>
        {
            for (int c = (int)c0; c < c1; c++) body(c, (int)((long)g.N * c / chunks), (int)((long)g.N * (c + 1) / chunks));
        });
    }

    // Copies samples [n0, n1) of x (Cin, H, W) into the interiors of xp's padded samples, whose borders stay zero.
    private static void Pad(T[] x, int n0, int n1, T[] xp, Plan l)
    {
        var g = l.G;
        for (int n = n0; n < n1; n++)
            for (int c = 0; c < g.Cin; c++)
                for (int r = 0; r < g.H; r++)
                    Array.Copy(x, ((long)(n * g.Cin + c) * g.H + r) * g.W,
                        xp, (n - n0) * l.PaddedSample + c * l.PaddedPlane + (r + g.PadH) * l.Wp + g.PadW, g.W);
    }

    // Writes the interiors of gxp's padded samples into samples [n0, n1) of gx (overwriting) and clears gxp.
    private static void Unpad(T[] gxp, int n0, int n1, T[] gx, Plan l)
    {
        var g = l.G;
        for (int n = n0; n < n1; n++)
            for (int c = 0; c < g.Cin; c++)
                for (int r = 0; r < g.H; r++)
                    gxp.AsSpan((n - n0) * l.PaddedSample + c * l.PaddedPlane + (r + g.PadH) * l.Wp + g.PadW, g.W)
                       .CopyTo(gx.AsSpan((int)(((long)(n * g.Cin + c) * g.H + r) * g.W), g.W));
        Array.Clear(gxp, 0, (n1 - n0) * l.PaddedSample);
    }

    // dst[t] = src[off + idx[t]] (gather) or src[off + idx[t]] += dst[t] (scatter-add), no bounds checks: callers
    // guarantee every index lies inside the padded buffer.
    private static void Gather(T[] src, int off, ReadOnlySpan<int> idx, Span<T> dst)
    {
        ref T s = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(src), off);
        ref int i = ref MemoryMarshal.GetReference(idx);
        ref T d = ref MemoryMarshal.GetReference(dst);
        for (int t = 0; t < dst.Length; t++) Unsafe.Add(ref d, t) = Unsafe.Add(ref s, Unsafe.Add(ref i, t));
    }

    private static void ScatterAdd(T[] target, int off, ReadOnlySpan<int> idx, ReadOnlySpan<T> src)
    {
        ref T g = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(target), off);
        ref int i = ref MemoryMarshal.GetReference(idx);
        ref T s = ref MemoryMarshal.GetReference(src);
        for (int t = 0; t < src.Length; t++) Unsafe.Add(ref g, Unsafe.Add(ref i, t)) += Unsafe.Add(ref s, t);
    }

    // cols (Cin*KH*KW, count) = windows at bases (gather), or xp += col2im of cols (scatter).
    private static void Windows(T[] xp, ReadOnlySpan<int> bases, int count, T[] cols, Plan l, bool scatter)
    {
        var g = l.G;
        int row = 0;
        for (int c = 0; c < g.Cin; c++)
            for (int i = 0; i < g.KH; i++)
                for (int j = 0; j < g.KW; j++, row++)
                {
                    int off = c * l.PaddedPlane + i * g.DilationH * l.Wp + j * g.DilationW;
                    var col = cols.AsSpan(row * count, count);
                    if (scatter) ScatterAdd(xp, off, bases[..count], col);
                    else Gather(xp, off, bases[..count], col);
                }
    }

    // points (Cin, count) = sample pixels at bases (gather), or xp += points there (scatter).
    private static void Points(T[] xp, ReadOnlySpan<int> bases, int count, T[] points, Plan l, int offH, int offW, bool scatter)
    {
        for (int c = 0; c < l.G.Cin; c++)
        {
            int off = c * l.PaddedPlane + offH * l.Wp + offW;
            var p = points.AsSpan(c * count, count);
            if (scatter) ScatterAdd(xp, off, bases[..count], p);
            else Gather(xp, off, bases[..count], p);
        }
    }

    // cols (channels, count): cols[c, t] = src[outs[t] + c*positions] (gather) or dst[...] = cols[c, t] + bias[c] (scatter).
    private static void Columns(T[] tensor, ReadOnlySpan<int> outs, int count, T[] cols, int channels, int positions, T[]? bias, bool scatter)
    {
        ref T y = ref MemoryMarshal.GetArrayDataReference(tensor);
        ref int o = ref MemoryMarshal.GetReference(outs);
        for (int c = 0; c < channels; c++)
        {
            ref T yc = ref Unsafe.Add(ref y, c * positions);
            var col = cols.AsSpan(c * count, count);
            if (scatter)
            {
                T b = bias is null ? T.Zero : bias[c];
                for (int t = 0; t < col.Length; t++) Unsafe.Add(ref yc, Unsafe.Add(ref o, t)) = col[t] + b;
            }
            else
            {
                for (int t = 0; t < col.Length; t++) col[t] = Unsafe.Add(ref yc, Unsafe.Add(ref o, t));
            }
        }
    }

    // Direct SIMD 1 x 1 conv, four outputs at a time: outp[gr] (outPer, count) = W_gr (outPer, inPer) @ inp[gr] (inPer, count),
    // with W_gr read from w stored (groups*outPer, inPer), or, when transposed, from w stored (groups*inPer, outPer) as its transpose.
    private static void Pointwise(T[] w, bool transposed, int groups, int outPer, int inPer, T[] inp, int count, T[] outp)
    {
        int vc = Vector<T>.Count;
        var wr = new T[4 * inPer];
        for (int gr = 0; gr < groups; gr++)
            for (int o0 = 0; o0 < outPer; o0 += 4)
            {
                int ob = Math.Min(4, outPer - o0);
                Array.Clear(wr);
                for (int r = 0; r < ob; r++)
                    for (int i = 0; i < inPer; i++)
                        wr[r * inPer + i] = transposed ? w[(gr * inPer + i) * outPer + o0 + r] : w[(gr * outPer + o0 + r) * inPer + i];
                var o = outp.AsSpan((gr * outPer + o0) * count, ob * count);
                var x = inp.AsSpan(gr * inPer * count, inPer * count);
                ref T xr = ref MemoryMarshal.GetReference(x);
                ref T w0 = ref wr[0];
                int t = 0;
                for (; t + vc <= count; t += vc)
                {
                    Vector<T> a0 = Vector<T>.Zero, a1 = Vector<T>.Zero, a2 = Vector<T>.Zero, a3 = Vector<T>.Zero;
                    ref T xt = ref Unsafe.Add(ref xr, t);
                    for (int i = 0; i < inPer; i++)
                    {
                        var v = Vector.LoadUnsafe(ref xt, (nuint)(i * count));
                        a0 += v * Unsafe.Add(ref w0, i);
                        a1 += v * Unsafe.Add(ref w0, inPer + i);
                        a2 += v * Unsafe.Add(ref w0, 2 * inPer + i);
                        a3 += v * Unsafe.Add(ref w0, 3 * inPer + i);
                    }
                    a0.CopyTo(o[t..]);
                    if (ob > 1) a1.CopyTo(o[(count + t)..]);
                    if (ob > 2) a2.CopyTo(o[(2 * count + t)..]);
                    if (ob > 3) a3.CopyTo(o[(3 * count + t)..]);
                }
                for (; t < count; t++)
                    for (int r = 0; r < ob; r++)
                    {
                        T sum = T.Zero;
                        for (int i = 0; i < inPer; i++) sum += x[i * count + t] * wr[r * inPer + i];
                        o[r * count + t] = sum;
                    }
            }
    }

    // One GEMM per group over consecutive equal blocks of a, b and c.
    private static void GroupGemm(ConvGeometry g, bool transA, bool transB, int m, int n, int k, T[] a, T[] b, T beta, T[] c, bool parallel)
    {
        if (m == 0 || n == 0) return;
        for (int gr = 0; gr < g.Groups; gr++)
            CpuGemm<T>.Multiply(transA, transB, m, n, k, T.One, a, (long)gr * m * k, b, (long)gr * k * n, beta, c, (long)gr * m * n, parallel);
    }

    /// <summary>y (N, Cout, Ho, Wo): order[0, sharp) get W, the rest w_phi (Cout, Cin/G) on their sample pixels; bias on both.</summary>
    public static void Forward(T[] x, T[] w, T[] wPhi, T[]? bias, int[] order, int sharp, T[] y, ConvGeometry g, CacSamplePoint point)
    {
        var l = new Plan(order, sharp, g);
        var (offH, offW) = CacGeometry.SampleOffset(g, point);
        bool gemmParallel = Chunks(g) == 1;
        int positions = l.Positions;
        ForChunks(g, (_, n0, n1) =>
        {
            var xp = Rent(l.SamplesPerBlock * l.PaddedSample, clear: true);
            var cols = Rent(g.Cin * g.KH * g.KW * l.BlockColumns);
            var outCols = Rent(g.Cout * l.BlockColumns);
            var bases = ArrayPool<int>.Shared.Rent(l.BlockColumns);
            var outs = ArrayPool<int>.Shared.Rent(l.BlockColumns);
            try
            {
                for (int nb = n0; nb < n1; nb += l.SamplesPerBlock)
                {
                    int ne = Math.Min(nb + l.SamplesPerBlock, n1);
                    Pad(x, nb, ne, xp, l);
                    int a = l.SharpStart[nb], p = l.SharpStart[ne] - a;
                    if (p > 0)
                    {
                        l.Locate(a, p, nb, bases, outs);
                        Windows(xp, bases, p, cols, l, scatter: false);                                           // (Cin*k*k, P)
                        GroupGemm(g, false, false, g.CoutPerGroup, p, g.PatchSize, w, cols, T.Zero, outCols, gemmParallel);
                        Columns(y, outs, p, outCols, g.Cout, positions, bias, scatter: true);
                    }
                    int b = l.SmoothStart[nb], q = l.SmoothStart[ne] - b;
                    if (q > 0)
                    {
                        l.Locate(b, q, nb, bases, outs);
                        Points(xp, bases, q, cols, l, offH, offW, scatter: false);                                // (Cin, Q)
                        Pointwise(wPhi, false, g.Groups, g.CoutPerGroup, g.CinPerGroup, cols, q, outCols);
                        Columns(y, outs, q, outCols, g.Cout, positions, bias, scatter: true);
                    }
                }
            }
            finally
            {
                Return(xp, cols, outCols);
                ArrayPool<int>.Shared.Return(bases);
                ArrayPool<int>.Shared.Return(outs);
            }
        });
    }

    /// <summary>gx (overwritten, or null) and gw (overwritten, or null; w_phi's gradient spread to every tap) from gy.</summary>
    public static void Backward(T[] x, T[] w, T[] wPhi, T[] gy, int[] order, int sharp, T[]? gx, T[]? gw, ConvGeometry g, CacSamplePoint point)
    {
        var l = new Plan(order, sharp, g);
        var (offH, offW) = CacGeometry.SampleOffset(g, point);
        int chunks = Chunks(g);
        bool gemmParallel = chunks == 1;
        int positions = l.Positions, gwLength = g.Cout * g.PatchSize, phiLength = g.Cout * g.CinPerGroup;
        var gwParts = gw is null ? null : Enumerable.Range(0, chunks).Select(_ => new T[gwLength]).ToArray();
        var phiParts = gw is null ? null : Enumerable.Range(0, chunks).Select(_ => new T[phiLength]).ToArray();
        ForChunks(g, (chunk, n0, n1) =>
        {
            var xp = gw is null ? null : Rent(l.SamplesPerBlock * l.PaddedSample, clear: true);
            var gxp = gx is null ? null : Rent(l.SamplesPerBlock * l.PaddedSample, clear: true);
            var cols = Rent(g.Cin * g.KH * g.KW * l.BlockColumns);
            var gyCols = Rent(g.Cout * l.BlockColumns);
            var bases = ArrayPool<int>.Shared.Rent(l.BlockColumns);
            var outs = ArrayPool<int>.Shared.Rent(l.BlockColumns);
            try
            {
                for (int nb = n0; nb < n1; nb += l.SamplesPerBlock)
                {
                    int ne = Math.Min(nb + l.SamplesPerBlock, n1);
                    if (xp is not null) Pad(x, nb, ne, xp, l);
                    int a = l.SharpStart[nb], p = l.SharpStart[ne] - a;
                    if (p > 0)
                    {
                        l.Locate(a, p, nb, bases, outs);
                        Columns(gy, outs, p, gyCols, g.Cout, positions, null, scatter: false);                   // (Cout, P)
                        if (xp is not null)
                        {
                            Windows(xp, bases, p, cols, l, scatter: false);
                            GroupGemm(g, false, true, g.CoutPerGroup, g.PatchSize, p, gyCols, cols, T.One, gwParts![chunk], gemmParallel);
                        }
                        if (gxp is not null)
                        {
                            GroupGemm(g, true, false, g.PatchSize, p, g.CoutPerGroup, w, gyCols, T.Zero, cols, gemmParallel);
                            Windows(gxp, bases, p, cols, l, scatter: true);
                        }
                    }
                    int b = l.SmoothStart[nb], q = l.SmoothStart[ne] - b;
                    if (q > 0)
                    {
                        l.Locate(b, q, nb, bases, outs);
                        Columns(gy, outs, q, gyCols, g.Cout, positions, null, scatter: false);                   // (Cout, Q)
                        if (xp is not null)
                        {
                            Points(xp, bases, q, cols, l, offH, offW, scatter: false);
                            GroupGemm(g, false, true, g.CoutPerGroup, g.CinPerGroup, q, gyCols, cols, T.One, phiParts![chunk], gemmParallel);
                        }
                        if (gxp is not null)
                        {
                            Pointwise(wPhi, true, g.Groups, g.CinPerGroup, g.CoutPerGroup, gyCols, q, cols);     // w_phi^T gy_Q
                            Points(gxp, bases, q, cols, l, offH, offW, scatter: true);
                        }
                    }
                    if (gxp is not null) Unpad(gxp, nb, ne, gx!, l);
                }
            }
            finally
            {
                Return(xp, gxp, cols, gyCols);
                ArrayPool<int>.Shared.Return(bases);
                ArrayPool<int>.Shared.Return(outs);
            }
        });
        if (gw is null) return;
        // Partial sums in worker order; then w_phi's gradient reaches every tap.
        Array.Copy(gwParts![0], gw, gwLength);
        var phi = phiParts![0];
        for (int c = 1; c < chunks; c++)
        {
            for (int i = 0; i < gwLength; i++) gw[i] += gwParts[c][i];
            for (int i = 0; i < phiLength; i++) phi[i] += phiParts[c][i];
        }
        int taps = g.KH * g.KW;
        for (int r = 0; r < phiLength; r++)
            for (int t = 0; t < taps; t++) gw[r * taps + t] += phi[r];
    }

    private static T[] Rent(int length, bool clear = false)
    {
        var a = ArrayPool<T>.Shared.Rent(Math.Max(length, 1));
        if (clear) Array.Clear(a);
        return a;
    }

    private static void Return(params T[]?[] arrays)
    {
        foreach (var a in arrays) if (a is not null) ArrayPool<T>.Shared.Return(a);
    }
}

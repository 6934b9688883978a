using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cac;

/// <summary>
/// The sparse CAC convolution on the CPU. The batch is split over the workers; each worker copies one sample at a
/// time into a zero-bordered buffer (window reads then need no bounds checks) and runs the gathered-operand
/// micro-kernel of <see cref="CpuCacKernel{T}"/> on it: for every tile of six sharp positions and sixteen output
/// channels, y = sum over the (c, kh, kw) taps of the window pixels (read in place, no im2col) times W^T; the smooth
/// positions the same with the one sample pixel per channel and w_phi^T. Tiles are stored into y by position.
/// The backward pass uses the same kernel for the weight gradients (taps x channels, summed over the positions)
/// and for the column gradients W^T gy, which are added into a padded gradient buffer (col2im of the sharp
/// windows). The weight gradient is summed per worker and the partial sums added in worker order, so results do
/// not depend on scheduling. Contracts: IBackend.CacSparseForward / CacSparseBackward.
/// </summary>
internal static class CpuCacSparse<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static int NR => CpuCacKernel<T>.NR;
    private const int MR = CpuCacKernel<T>.MR;

    // Geometry of one call: the per-sample partition of the position list and the kernels' offset tables.
    private sealed class Plan
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public Plan(int[]? order, int sharp, ConvGeometry g, CacSamplePoint point)
        {
            G = g;
            Order = order ?? [];
            Positions = g.Ho * g.Wo;
            Wp = g.W + 2 * g.PadW;
            PaddedPlane = (g.H + 2 * g.PadH) * Wp;
            PaddedSample = g.Cin * PaddedPlane;
            // Without an order (the fused layer forward), each sample is partitioned on the fly.
            SharpStart = order is null ? [] : Starts(order, 0, sharp, g.N, Positions);
            SmoothStart = order is null ? [] : Starts(order, sharp, g.N * Positions - sharp, g.N, Positions);
            var (offH, offW) = CacGeometry.SampleOffset(g, point);
            // Taps[gr * patch + (c, kh, kw)]: offset of tap (c, kh, kw) of group gr from a window origin in the padded sample.
            Taps = new int[g.Groups * g.PatchSize];
            int t = 0;
            for (int c = 0; c < g.Cin; c++)
                for (int i = 0; i < g.KH; i++)
                    for (int j = 0; j < g.KW; j++)
                        Taps[t++] = c * PaddedPlane + i * g.DilationH * Wp + j * g.DilationW;
            // Points[c]: offset of channel c's sample pixel from a window origin.
            Points = new int[g.Cin];
            for (int c = 0; c < g.Cin; c++) Points[c] = c * PaddedPlane + offH * Wp + offW;
            // TapShifts[kh * KW + kw]: offset of the tap's pixel from a window origin within one plane; PointShift likewise.
            TapShifts = new int[g.KH * g.KW];
            for (int i = 0; i < g.KH; i++)
                for (int j = 0; j < g.KW; j++)
                    TapShifts[i * g.KW + j] = i * g.DilationH * Wp + j * g.DilationW;
            PointShift = [offH * Wp + offW];
            // Origins[q]: window origin of output position q in the padded sample.
            Origins = new int[Positions];
            for (int q = 0; q < Positions; q++) Origins[q] = q / g.Wo * g.StrideH * Wp + q % g.Wo * g.StrideW;
            // y and gy are staged channels-last, (positions, Ldc) with each group's channels padded to whole tiles:
            // a tile row is then two vectors. Lanes[i] = i (the kernel's step offsets over a staged row).
            CoutPad = (g.CoutPerGroup + CpuCacKernel<T>.NR - 1) / CpuCacKernel<T>.NR * CpuCacKernel<T>.NR;
            Ldc = g.Groups * CoutPad;
            Lanes = [.. Enumerable.Range(0, Ldc)];
        }

        public ConvGeometry G { get; }
        public int[] Order { get; }
        public int Positions { get; }
        public int Wp { get; }
        public int PaddedPlane { get; }
        public int PaddedSample { get; }
        public int[] SharpStart { get; }    // sample n's sharp entries: order[SharpStart[n] .. SharpStart[n+1])
        public int[] SmoothStart { get; }   // likewise for smooth entries (absolute indices into order)
        public int[] Taps { get; }
        public int[] Points { get; }
        public int CoutPad { get; }
        public int Ldc { get; }
        public int[] Lanes { get; }
        public int[] Origins { get; }
        public int[] TapShifts { get; }
        public int[] PointShift { get; }

        // For entries order[start .. start+count), all of sample n, writes bases[t], the window origin in the
        // sample's padded buffer, and outs[t] = q * scale, q the position within the sample.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Locate(int start, int count, int n, Span<int> bases, Span<int> outs, int scale = 1)
        {
            int first = n * Positions;
            var order = Order.AsSpan(start, count);
            var origins = Origins.AsSpan();
            bases = bases[..count];
            outs = outs[..count];
            for (int t = 0; t < order.Length; t++)
            {
                int q = order[t] - first;
                bases[t] = origins[q];
                outs[t] = q * scale;
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
        Environment.ProcessorCount > 1 ? Math.Clamp(g.N, 1, Environment.ProcessorCount) : 1;

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

    // Copies sample n of x (Cin, H, W) into the interior of xp, whose border stays zero.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pad(T[] x, int n, T[] xp, Plan l)
    {
        var g = l.G;
        int h = g.H, w = g.W;
        var src = x.AsSpan(n * g.Cin * h * w, g.Cin * h * w);
        var dst = xp.AsSpan(0, l.PaddedSample);
        for (int c = 0; c < g.Cin; c++)
            for (int r = 0; r < h; r++)
                src.Slice((c * h + r) * w, w).CopyTo(dst.Slice(c * l.PaddedPlane + (r + g.PadH) * l.Wp + g.PadW, w));
    }

    // dst[k * ldd + i] = src[i * lds + k] (+ bias[k]) for i < rows, k < cols: 8 x 8 blocks through AVX registers for
    // float (the last block of each direction overlaps the one before it), element by element otherwise.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeTile(ref T src, int lds, ref T dst, int ldd, int rows, int cols, ReadOnlySpan<T> bias)
    {
        if (typeof(T) == typeof(float) && Avx.IsSupported && rows >= 8 && cols >= 8)
        {
            ref float sf = ref Unsafe.As<T, float>(ref src);
            ref float df = ref Unsafe.As<T, float>(ref dst);
            var bf = MemoryMarshal.Cast<T, float>(bias);
            for (int k0 = 0; k0 < cols; k0 += 8)
            {
                int k = Math.Min(k0, cols - 8);
                for (int i0 = 0; i0 < rows; i0 += 8)
                {
                    int i = Math.Min(i0, rows - 8);
                    Transpose8(ref Unsafe.Add(ref sf, i * lds + k), lds, ref Unsafe.Add(ref df, k * ldd + i), ldd, bf.IsEmpty ? bf : bf.Slice(k, 8));
                }
            }
            return;
        }
        for (int k = 0; k < cols; k++)
        {
            T b = bias.IsEmpty ? T.Zero : bias[k];
            ref T d = ref Unsafe.Add(ref dst, k * ldd);
            ref T sk = ref Unsafe.Add(ref src, k);
            for (int i = 0; i < rows; i++) Unsafe.Add(ref d, i) = Unsafe.Add(ref sk, i * lds) + b;
        }
    }

    // dst[k * ldd + i] = src[i * lds + k] + bias[k] for i, k < 8.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8(ref float src, int lds, ref float dst, int ldd, ReadOnlySpan<float> bias)
    {
        var r0 = Vector256.LoadUnsafe(ref src);
        var r1 = Vector256.LoadUnsafe(ref src, (nuint)lds);
        var r2 = Vector256.LoadUnsafe(ref src, (nuint)(2 * lds));
        var r3 = Vector256.LoadUnsafe(ref src, (nuint)(3 * lds));
        var r4 = Vector256.LoadUnsafe(ref src, (nuint)(4 * lds));
        var r5 = Vector256.LoadUnsafe(ref src, (nuint)(5 * lds));
        var r6 = Vector256.LoadUnsafe(ref src, (nuint)(6 * lds));
        var r7 = Vector256.LoadUnsafe(ref src, (nuint)(7 * lds));
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Put(Avx.Permute2x128(u0, u4, 0x20), ref dst, 0, ldd, bias);
        Put(Avx.Permute2x128(u1, u5, 0x20), ref dst, 1, ldd, bias);
        Put(Avx.Permute2x128(u2, u6, 0x20), ref dst, 2, ldd, bias);
        Put(Avx.Permute2x128(u3, u7, 0x20), ref dst, 3, ldd, bias);
        Put(Avx.Permute2x128(u0, u4, 0x31), ref dst, 4, ldd, bias);
        Put(Avx.Permute2x128(u1, u5, 0x31), ref dst, 5, ldd, bias);
        Put(Avx.Permute2x128(u2, u6, 0x31), ref dst, 6, ldd, bias);
        Put(Avx.Permute2x128(u3, u7, 0x31), ref dst, 7, ldd, bias);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(Vector256<float> v, ref float dst, int k, int ldd, ReadOnlySpan<float> bias)
    {
        if (!bias.IsEmpty) v += Vector256.Create(bias[k]);
        v.StoreUnsafe(ref dst, (nuint)(k * ldd));
    }


    // Row offsets of the MR-tile starting at t of a list (a short tile repeats its last entry).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint Row(ReadOnlySpan<int> list, int t, int i) => list[Math.Min(t + i, list.Length - 1)];

    // Output tiles for the listed positions: steps = the kernel's taps (offsets from a window origin in xp), panels
    // (steps, NR) per channel tile; the rows of channel tile j are stored at ys + c0 + j * NR + outs[t].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardTiles(T[] xp, ReadOnlySpan<int> bases, int[] outs, int[] taps, int tap0, int steps,
        T[] panels, int panel0, T[] ys, int c0, int channels, ref CpuPrefetch prefetch)
    {
        int nr = NR;
        ref T src = ref CpuCacKernel<T>.At(xp, 0);
        ref int step = ref CpuCacKernel<T>.At(taps, tap0);
        for (int t = 0; t < bases.Length; t += MR)
        {
            int rows = Math.Min(MR, bases.Length - t);
            nint r0 = Row(bases, t, 0), r1 = Row(bases, t, 1), r2 = Row(bases, t, 2), r3 = Row(bases, t, 3), r4 = Row(bases, t, 4), r5 = Row(bases, t, 5);
            for (int j = 0; j * nr < channels; j++)
                CpuCacKernel<T>.Run(steps, ref src, ref step, r0, r1, r2, r3, r4, r5, ref CpuCacKernel<T>.At(panels, panel0 + j * steps * nr),
                    ref CpuCacKernel<T>.At(ys, c0 + j * nr), ref outs[t], rows, false);
            prefetch.Step();
        }
    }

    /// <summary>
    /// The fused layer forward (IBackend.CacLayerForward): per sample, the score map G (channel mean and Sobel, as
    /// <see cref="CpuCacScore{T}.InputSobel"/>) into scoreMap (N, 1, Ho, Wo), the hard mask of gamma * G + beta
    /// (the same float operations as Affine) into mask, the sample's sharp and smooth lists, and its output tiles, while
    /// the sample is still in cache. Returns the number of sharp positions.
    /// </summary>
    public static int LayerForward(T[] x, T[] w, T[] wPhi, T[]? bias, T gamma, T beta, T[] scoreMap, T[] mask, T[] y,
        ConvGeometry g, CacSamplePoint point, int smooth)
    {
        var l = new Plan(null, 0, g, point);
        var sg = new ConvGeometry(g.N, 1, g.H, g.W, 1, g.KH, g.KW, g.StrideH, g.StrideW, g.PadH, g.PadW, g.DilationH, g.DilationW, 1);
        var (wPanels, wLength, phiPanels, phiLength) = PackPanels(w, wPhi, g);
        var sharpPerChunk = new int[Chunks(g)];
        ForChunks(g, (chunk, n0, n1) =>
        {
            var scorer = new CpuCacScore<T>.SampleScorer(sg, g.Cin, smooth);
            sharpPerChunk[chunk] = ForwardSamples(x, bias, y, l, wPanels, wLength, phiPanels, phiLength, n0, n1,
                new Scoring(scorer, gamma, beta, scoreMap, mask));
        });
        Return(wPanels, phiPanels);
        return sharpPerChunk.Sum();
    }

    // What the fused forward needs to partition a sample itself.
    private sealed record Scoring(CpuCacScore<T>.SampleScorer Scorer, T Gamma, T Beta, T[] ScoreMap, T[] Mask);

    // W_g^T and w_phi,g^T as (steps, NR) panels per channel tile and group (rented; give back with Return).
    private static (T[] W, int WLength, T[] Phi, int PhiLength) PackPanels(T[] w, T[] wPhi, ConvGeometry g)
    {
        int patch = g.PatchSize, coutG = g.CoutPerGroup, cinG = g.CinPerGroup;
        int wLength = CpuCacKernel<T>.PackedLength(patch, coutG), phiLength = CpuCacKernel<T>.PackedLength(cinG, coutG);
        var wPanels = Rent(g.Groups * wLength);
        var phiPanels = Rent(g.Groups * phiLength);
        for (int gr = 0; gr < g.Groups; gr++)
        {
            CpuCacKernel<T>.Pack(w, (long)gr * coutG * patch, 1, patch, patch, coutG, wPanels, gr * wLength);
            CpuCacKernel<T>.Pack(wPhi, (long)gr * coutG * cinG, 1, cinG, cinG, coutG, phiPanels, gr * phiLength);
        }
        return (wPanels, wLength, phiPanels, phiLength);
    }

    // Scores sample n (see LayerForward) and lists its sharp positions in sharpBases/sharpOuts and its smooth ones in
    // smoothBases/smoothOuts (window origin, staged row q * ldc), both ascending. Branch-free: a random mask would
    // mispredict every other branch, so every position is written to both lists and only one cursor advances.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int Sharp, int Smooth) ScoreSample(T[] x, int n, Plan l, Scoring s, int[] sharpBases, int[] sharpOuts,
        int[] smoothBases, int[] smoothOuts)
    {
        s.Scorer.Score(x, n, s.ScoreMap);
        int positions = l.Positions, ldc = l.Ldc, first = n * positions;
        var map = s.ScoreMap.AsSpan(first, positions);
        var mask = s.Mask.AsSpan(first, positions);
        var origins = l.Origins.AsSpan(0, positions);
        T gamma = s.Gamma, beta = s.Beta;
        int a = 0, b = 0;
        for (int q = 0; q < map.Length; q++)
        {
            T score = map[q] * gamma + beta;
            int sharp = score > T.Zero ? 1 : 0;
            mask[q] = T.CreateTruncating(sharp);
            int origin = origins[q], row = q * ldc;
            sharpBases[a] = origin; sharpOuts[a] = row;
            smoothBases[b] = origin; smoothOuts[b] = row;
            a += sharp;
            b += 1 - sharp;
        }
        return (a, b);
    }

    /// <summary>y (N, Cout, Ho, Wo): order[0, sharp) get W, the rest w_phi (Cout, Cin/G) on their sample pixels; bias on both.</summary>
    public static void Forward(T[] x, T[] w, T[] wPhi, T[]? bias, int[] order, int sharp, T[] y, ConvGeometry g, CacSamplePoint point)
    {
        var l = new Plan(order, sharp, g, point);
        var (wPanels, wLength, phiPanels, phiLength) = PackPanels(w, wPhi, g);
        ForChunks(g, (_, n0, n1) => ForwardSamples(x, bias, y, l, wPanels, wLength, phiPanels, phiLength, n0, n1, null));
        Return(wPanels, phiPanels);
    }

    // Forward of samples [n0, n1) on one worker (see Forward); with scoring, each sample is first scored and partitioned
    // (see LayerForward). Returns the number of sharp positions of these samples.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ForwardSamples(T[] x, T[]? bias, T[] y, Plan l, T[] wPanels, int wLength, T[] phiPanels, int phiLength,
        int n0, int n1, Scoring? scoring)
    {
        var g = l.G;
        int patch = g.PatchSize, coutG = g.CoutPerGroup, cinG = g.CinPerGroup, positions = l.Positions;
        // Tiles are stored channels-last into ys (positions, Ldc), then transposed into y: two vector stores per tile
        // row instead of a scalar store per element.
        int coutPad = l.CoutPad, ldc = l.Ldc, sharpTotal = 0;
        var xp = Rent(l.PaddedSample, clear: true);
        var ys = Rent(positions * ldc);
        var sharpBases = ArrayPool<int>.Shared.Rent(positions);
        var sharpOuts = ArrayPool<int>.Shared.Rent(positions);
        var smoothBases = ArrayPool<int>.Shared.Rent(positions);
        var smoothOuts = ArrayPool<int>.Shared.Rent(positions);
        try
        {
            for (int n = n0; n < n1; n++)
            {
                int p, q;
                if (scoring is not null) (p, q) = ScoreSample(x, n, l, scoring, sharpBases, sharpOuts, smoothBases, smoothOuts);
                else
                {
                    int a = l.SharpStart[n], b = l.SmoothStart[n];
                    p = l.SharpStart[n + 1] - a;
                    q = l.SmoothStart[n + 1] - b;
                    l.Locate(a, p, n, sharpBases, sharpOuts, ldc);
                    l.Locate(b, q, n, smoothBases, smoothOuts, ldc);
                }
                sharpTotal += p;
                Pad(x, n, xp, l);
                // The next sample's input is fetched while this one's tiles run (its scoring pass would otherwise stream it).
                var prefetch = typeof(T) == typeof(float) && n + 1 < n1
                    ? new CpuPrefetch((float[])(object)x, (long)(n + 1) * g.Cin * g.H * g.W, (long)g.Cin * g.H * g.W,
                        g.Groups * ((p + MR - 1) / MR + (q + MR - 1) / MR))
                    : default;
                for (int gr = 0; gr < g.Groups; gr++)
                    ForwardTiles(xp, sharpBases.AsSpan(0, p), sharpOuts, l.Taps, gr * patch, patch, wPanels, gr * wLength, ys, gr * coutPad, coutG, ref prefetch);
                for (int gr = 0; gr < g.Groups; gr++)
                    ForwardTiles(xp, smoothBases.AsSpan(0, q), smoothOuts, l.Points, gr * cinG, cinG, phiPanels, gr * phiLength, ys, gr * coutPad, coutG, ref prefetch);
                for (int gr = 0; gr < g.Groups; gr++)
                    TransposeTile(ref ys[gr * coutPad], ldc, ref y[(n * g.Cout + gr * coutG) * positions], positions, positions, coutG,
                        bias is null ? default : bias.AsSpan(gr * coutG, coutG));
            }
        }
        finally
        {
            Return(xp, ys);
            ArrayPool<int>.Shared.Return(sharpBases);
            ArrayPool<int>.Shared.Return(sharpOuts);
            ArrayPool<int>.Shared.Return(smoothBases);
            ArrayPool<int>.Shared.Return(smoothOuts);
        }
        return sharpTotal;
    }

    // panel (count, NR) per channel tile j of a group: rows outs[t] of the staged gyT, lanes c0 + j * NR ...
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GatherGy(T[] gyt, ReadOnlySpan<int> outs, int c0, int coutPad, T[] panel)
    {
        int nr = NR, w = Vector<T>.Count, count = outs.Length;
        ref T src = ref CpuCacKernel<T>.At(gyt, c0);
        for (int j = 0; j * nr < coutPad; j++)
        {
            ref T d = ref CpuCacKernel<T>.At(panel, j * count * nr);
            for (int t = 0; t < count; t++)
            {
                ref T row = ref Unsafe.Add(ref src, outs[t] + j * nr);
                Vector.LoadUnsafe(ref row).StoreUnsafe(ref d, (nuint)(t * nr));
                Vector.LoadUnsafe(ref row, (nuint)w).StoreUnsafe(ref d, (nuint)(t * nr + w));
            }
        }
    }

    // Weight-gradient tiles: acc (rows, coutPad) += sum over the listed positions of xp[base + rows[k]] * gy^T.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightTiles(T[] xp, int[] bases, int count, ReadOnlySpan<int> rows, T[] gyPanel, int coutG, T[] acc, int acc0, int coutPad)
    {
        if (count == 0) return;
        int nr = NR;
        for (int j = 0; j * nr < coutG; j++)
            CpuCacKernel<T>.Rows(count, ref CpuCacKernel<T>.At(xp, 0), ref CpuCacKernel<T>.At(bases, 0), rows,
                ref CpuCacKernel<T>.At(gyPanel, j * count * nr), ref CpuCacKernel<T>.At(acc, acc0 + j * nr), coutPad, true);
    }

    // Input-gradient tiles, all channels-last: for each listed position (gyT row outs[t], window origin bases[t]) and
    // shift s (one per tap; panels (coutG, NR) per lane tile of input channels, cinPad lanes per shift), the
    // pixel row gxt[(bases[t] + shifts[s]) * stride + lane0 ..] += sum_co gyT[outs[t] + steps[co]] * W[co, lane, s],
    // accumulated by the kernel in place.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputTiles(T[] gyt, ReadOnlySpan<int> bases, ReadOnlySpan<int> outs, int[] steps, int c0, int coutG,
        T[] panels, int panel0, ReadOnlySpan<int> shifts, int cinPad, T[] gxt, int stride, int lane0)
    {
        int nr = NR, tiles = cinPad / nr;
        ref T src = ref CpuCacKernel<T>.At(gyt, 0);
        ref int step = ref CpuCacKernel<T>.At(steps, c0);
        Span<int> cRows = stackalloc int[MR];
        for (int t = 0; t < outs.Length; t += MR)
        {
            int rows = Math.Min(MR, outs.Length - t);
            nint r0 = Row(outs, t, 0), r1 = Row(outs, t, 1), r2 = Row(outs, t, 2), r3 = Row(outs, t, 3), r4 = Row(outs, t, 4), r5 = Row(outs, t, 5);
            for (int s = 0; s < shifts.Length; s++)
            {
                for (int i = 0; i < rows; i++) cRows[i] = (bases[t + i] + shifts[s]) * stride;
                for (int j = 0; j < tiles; j++)
                    CpuCacKernel<T>.Run(coutG, ref src, ref step, r0, r1, r2, r3, r4, r5,
                        ref CpuCacKernel<T>.At(panels, panel0 + (s * tiles + j) * coutG * nr), ref CpuCacKernel<T>.At(gxt, lane0 + j * nr),
                        ref cRows[0], rows, true);
            }
        }
    }

    // Writes the interior of the channels-last gxt (Hp*Wp, stride), group gr's channels at gr * cinPad, into sample n
    // of gx (Cin, H, W), overwriting, and clears gxt.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Unfold(T[] gxt, int stride, int cinPad, int n, T[] gx, Plan l)
    {
        var g = l.G;
        int cinG = g.CinPerGroup, hw = g.H * g.W;
        for (int gr = 0; gr < g.Groups; gr++)
            for (int r = 0; r < g.H; r++)
                TransposeTile(ref gxt[((r + g.PadH) * l.Wp + g.PadW) * stride + gr * cinPad], stride,
                    ref gx[(n * g.Cin + gr * cinG) * hw + r * g.W], hw, g.W, cinG, default);
        Array.Clear(gxt, 0, l.PaddedPlane * stride);
    }

    /// <summary>gx (overwritten, or null) and gw (overwritten, or null; w_phi's gradient spread to every tap) from gy.</summary>
    public static void Backward(T[] x, T[] w, T[] wPhi, T[] gy, int[] order, int sharp, T[]? gx, T[]? gw, ConvGeometry g, CacSamplePoint point)
    {
        var l = new Plan(order, sharp, g, point);
        int chunks = Chunks(g);
        int patch = g.PatchSize, coutG = g.CoutPerGroup, cinG = g.CinPerGroup;
        int coutPad = l.CoutPad;
        // Per worker: gW^T (G, patch, coutPad) and g(w_phi)^T (G, Cin/G, coutPad).
        int gwtLength = g.Groups * patch * coutPad, phitLength = g.Groups * cinG * coutPad;
        var gwParts = gw is null ? null : Enumerable.Range(0, chunks).Select(_ => new T[gwtLength]).ToArray();
        var phiParts = gw is null ? null : Enumerable.Range(0, chunks).Select(_ => new T[phitLength]).ToArray();
        // For gx: per group and tap, W[.., .., tap] as (Cout/G, NR) panels per lane tile of input channels (and w_phi);
        // the gradient is accumulated channels-last (see BackwardSamples).
        int taps = g.KH * g.KW;
        int phiLength = CpuCacKernel<T>.PackedLength(coutG, cinG), wLength = taps * phiLength;
        var wPanels = gx is null ? null : Rent(g.Groups * wLength);
        var phiPanels = gx is null ? null : Rent(g.Groups * phiLength);
        for (int gr = 0; gx is not null && gr < g.Groups; gr++)
        {
            for (int t = 0; t < taps; t++)
                CpuCacKernel<T>.Pack(w, (long)gr * coutG * patch + t, patch, taps, coutG, cinG, wPanels!, gr * wLength + t * phiLength);
            CpuCacKernel<T>.Pack(wPhi, (long)gr * coutG * cinG, cinG, 1, coutG, cinG, phiPanels!, gr * phiLength);
        }
        ForChunks(g, (chunk, n0, n1) => BackwardSamples(x, gy, gx, gwParts?[chunk], phiParts?[chunk], l, wPanels, wLength, phiPanels, phiLength,
            coutPad, n0, n1));
        Return(wPanels, phiPanels);
        if (gw is null) return;
        Reduce(gwParts!, phiParts!, gw, g, coutPad);
    }

    // Adds the workers' partial sums in worker order and transposes them into gw (Cout, Cin/G, KH, KW); w_phi's
    // gradient reaches every tap.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Reduce(T[][] gwParts, T[][] phiParts, T[] gw, ConvGeometry g, int coutPad)
    {
        int patch = g.PatchSize, coutG = g.CoutPerGroup, cinG = g.CinPerGroup, taps = g.KH * g.KW;
        int gwtLength = g.Groups * patch * coutPad, phitLength = g.Groups * cinG * coutPad;
        var gwt = gwParts[0];
        var phit = phiParts[0];
        for (int c = 1; c < gwParts.Length; c++)
        {
            for (int i = 0; i < gwtLength; i++) gwt[i] += gwParts[c][i];
            for (int i = 0; i < phitLength; i++) phit[i] += phiParts[c][i];
        }
        for (int gr = 0; gr < g.Groups; gr++)
            for (int co = 0; co < coutG; co++)
            {
                int row = (gr * coutG + co) * patch;
                for (int k = 0; k < patch; k++)
                    gw[row + k] = gwt[(gr * patch + k) * coutPad + co] + phit[(gr * cinG + k / taps) * coutPad + co];
            }
    }

    // Backward of samples [n0, n1) on one worker (see Backward): gx for those samples, and their weight-gradient sums
    // added into gwAcc / phiAcc (both null when gw is not wanted).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardSamples(T[] x, T[] gy, T[]? gx, T[]? gwAcc, T[]? phiAcc, Plan l, T[]? wPanels, int wLength,
        T[]? phiPanels, int phiLength, int coutPad, int n0, int n1)
    {
        var g = l.G;
        int patch = g.PatchSize, coutG = g.CoutPerGroup, cinG = g.CinPerGroup, positions = l.Positions;
        // gx is accumulated channels-last, (Hp*Wp, G * cinPad), so each tile row adds two whole vectors.
        int cinPad = (cinG + NR - 1) / NR * NR, stride = g.Groups * cinPad;
        bool gw = gwAcc is not null;
        var xp = !gw ? null : Rent(l.PaddedSample, clear: true);
        var gxt = gx is null ? null : Rent(l.PaddedPlane * stride, clear: true);
        var gyPanel = !gw ? null : Rent(positions * coutPad);
        var gyt = Rent(positions * l.Ldc);
        var bases = ArrayPool<int>.Shared.Rent(positions);
        var outs = ArrayPool<int>.Shared.Rent(positions);
        try
        {
            for (int n = n0; n < n1; n++)
            {
                if (xp is not null) Pad(x, n, xp, l);
                // gy of the sample, channels-last: gyT (positions, Ldc).
                for (int gr = 0; gr < g.Groups; gr++)
                    TransposeTile(ref gy[(n * g.Cout + gr * coutG) * positions], positions, ref gyt[gr * coutPad], l.Ldc, coutG, positions, default);
                for (int part = 0; part < 2; part++)
                {
                    // part 0: the sharp windows (taps, W); part 1: the smooth sample pixels (points, w_phi).
                    var starts = part == 0 ? l.SharpStart : l.SmoothStart;
                    int a = starts[n], count = starts[n + 1] - a;
                    if (count == 0) continue;
                    l.Locate(a, count, n, bases, outs, l.Ldc);
                    int steps = part == 0 ? patch : cinG;
                    var offsets = part == 0 ? l.Taps : l.Points;
                    for (int gr = 0; gr < g.Groups; gr++)
                    {
                        if (xp is not null)
                        {
                            GatherGy(gyt, outs.AsSpan(0, count), gr * coutPad, coutPad, gyPanel!);
                            var acc = part == 0 ? gwAcc! : phiAcc!;
                            WeightTiles(xp, bases, count, offsets.AsSpan(gr * steps, steps), gyPanel!, coutG, acc, gr * steps * coutPad, coutPad);
                        }
                        if (gxt is not null)
                        {
                            InputTiles(gyt, bases.AsSpan(0, count), outs.AsSpan(0, count), l.Lanes, gr * coutPad, coutG,
                                part == 0 ? wPanels! : phiPanels!, gr * (part == 0 ? wLength : phiLength),
                                part == 0 ? l.TapShifts : l.PointShift, cinPad, gxt, stride, gr * cinPad);
                        }
                    }
                }
                if (gxt is not null) Unfold(gxt, stride, cinPad, n, gx!, l);
            }
        }
        finally
        {
            Return(xp, gxt, gyPanel, gyt);
            ArrayPool<int>.Shared.Return(bases);
            ArrayPool<int>.Shared.Return(outs);
        }
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

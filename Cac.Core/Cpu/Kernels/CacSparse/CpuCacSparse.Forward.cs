using System.Buffers;
using System.Runtime.CompilerServices;

namespace Cac.Cpu.Kernels;

// The sparse CAC forward: the fused layer forward (score, partition and tiles per sample) and the forward at a given partition.
internal static partial class CpuCacSparse<T>
{
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
    /// <see cref="CacScoreKernels{T}.InputSobel"/>) into scoreMap (N, 1, Ho, Wo), the hard mask of gamma * G + beta
    /// (the same float operations as Affine) into mask, the sample's sharp and smooth lists, and its output tiles, while
    /// the sample is still in cache. Returns the number of sharp positions.
    /// </summary>
    public static int LayerForward(T[] x, T[] w, T[] wPhi, T[]? bias, T gamma, T beta, T[] scoreMap, T[] mask, T[] y,
        ConvGeometry geometry, CacSamplePoint point, int smooth)
    {
        var l = new Plan(null, 0, geometry, point);
        var sg = new ConvGeometry(geometry.N, 1, geometry.H, geometry.W, 1, geometry.KH, geometry.KW, geometry.StrideH, geometry.StrideW, geometry.PadH, geometry.PadW, geometry.DilationH, geometry.DilationW, 1);
        var (wPanels, wLength, phiPanels, phiLength) = PackPanels(w, wPhi, geometry);
        var sharpPerChunk = new int[Chunks(geometry)];
        ForChunks(geometry, (chunk, n0, n1) =>
        {
            var scorer = new CacScoreKernels<T>.SampleScorer(sg, geometry.Cin, smooth);
            sharpPerChunk[chunk] = ForwardSamples(x, bias, y, l, wPanels, wLength, phiPanels, phiLength, n0, n1,
                new Scoring(scorer, gamma, beta, scoreMap, mask));
        });
        Return(wPanels, phiPanels);
        return sharpPerChunk.Sum();
    }

    // What the fused forward needs to partition a sample itself.
    private sealed record Scoring(CacScoreKernels<T>.SampleScorer Scorer, T Gamma, T Beta, T[] ScoreMap, T[] Mask);

    // W_g^T and w_phi,g^T as (steps, NR) panels per channel tile and group (rented; give back with Return).
    private static (T[] W, int WLength, T[] Phi, int PhiLength) PackPanels(T[] w, T[] wPhi, ConvGeometry geometry)
    {
        int patch = geometry.PatchSize, coutG = geometry.CoutPerGroup, cinG = geometry.CinPerGroup;
        int wLength = CpuCacKernel<T>.PackedLength(patch, coutG), phiLength = CpuCacKernel<T>.PackedLength(cinG, coutG);
        var wPanels = Rent(geometry.Groups * wLength);
        var phiPanels = Rent(geometry.Groups * phiLength);
        for (int gr = 0; gr < geometry.Groups; gr++)
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
    public static void Forward(T[] x, T[] w, T[] wPhi, T[]? bias, int[] order, int sharp, T[] y, ConvGeometry geometry, CacSamplePoint point)
    {
        var l = new Plan(order, sharp, geometry, point);
        var (wPanels, wLength, phiPanels, phiLength) = PackPanels(w, wPhi, geometry);
        ForChunks(geometry, (_, n0, n1) => ForwardSamples(x, bias, y, l, wPanels, wLength, phiPanels, phiLength, n0, n1, null));
        Return(wPanels, phiPanels);
    }

    // Forward of samples [n0, n1) on one worker (see Forward); with scoring, each sample is first scored and partitioned
    // (see LayerForward). Returns the number of sharp positions of these samples.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ForwardSamples(T[] x, T[]? bias, T[] y, Plan l, T[] wPanels, int wLength, T[] phiPanels, int phiLength,
        int n0, int n1, Scoring? scoring)
    {
        var geometry = l.Geometry;
        int patch = geometry.PatchSize, coutG = geometry.CoutPerGroup, cinG = geometry.CinPerGroup, positions = l.Positions;
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
                    ? new CpuPrefetch((float[])(object)x, (long)(n + 1) * geometry.Cin * geometry.H * geometry.W, (long)geometry.Cin * geometry.H * geometry.W,
                        geometry.Groups * ((p + MR - 1) / MR + (q + MR - 1) / MR))
                    : default;
                for (int gr = 0; gr < geometry.Groups; gr++)
                    ForwardTiles(xp, sharpBases.AsSpan(0, p), sharpOuts, l.Taps, gr * patch, patch, wPanels, gr * wLength, ys, gr * coutPad, coutG, ref prefetch);
                for (int gr = 0; gr < geometry.Groups; gr++)
                    ForwardTiles(xp, smoothBases.AsSpan(0, q), smoothOuts, l.Points, gr * cinG, cinG, phiPanels, gr * phiLength, ys, gr * coutPad, coutG, ref prefetch);
                for (int gr = 0; gr < geometry.Groups; gr++)
                    CpuTranspose<T>.Tile(ref ys[gr * coutPad], ldc, ref y[(n * geometry.Cout + gr * coutG) * positions], positions, positions, coutG,
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
}

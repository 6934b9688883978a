using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Cac.Cpu.Kernels;

// The sparse CAC backward: input gradient (col2im of the sharp windows plus the sample pixels) and weight gradient (per-worker sums).
internal static partial class CpuCacSparse<T>
{
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
        var geometry = l.Geometry;
        int cinG = geometry.CinPerGroup, hw = geometry.H * geometry.W;
        for (int gr = 0; gr < geometry.Groups; gr++)
            for (int r = 0; r < geometry.H; r++)
                CpuTranspose<T>.Tile(ref gxt[((r + geometry.PadH) * l.Wp + geometry.PadW) * stride + gr * cinPad], stride,
                    ref gx[(n * geometry.Cin + gr * cinG) * hw + r * geometry.W], hw, geometry.W, cinG, default);
        Array.Clear(gxt, 0, l.PaddedPlane * stride);
    }

    /// <summary>gx (overwritten, or null) and gw (overwritten, or null; w_phi's gradient spread to every tap) from gy.</summary>
    public static void Backward(T[] x, T[] w, T[] wPhi, T[] gy, int[] order, int sharp, T[]? gx, T[]? gw, ConvGeometry geometry, CacSamplePoint point)
    {
        var l = new Plan(order, sharp, geometry, point);
        int chunks = Chunks(geometry);
        int patch = geometry.PatchSize, coutG = geometry.CoutPerGroup, cinG = geometry.CinPerGroup;
        int coutPad = l.CoutPad;
        // Per worker: gW^T (G, patch, coutPad) and g(w_phi)^T (G, Cin/G, coutPad).
        int gwtLength = geometry.Groups * patch * coutPad, phitLength = geometry.Groups * cinG * coutPad;
        var gwParts = gw is null ? null : Enumerable.Range(0, chunks).Select(_ => new T[gwtLength]).ToArray();
        var phiParts = gw is null ? null : Enumerable.Range(0, chunks).Select(_ => new T[phitLength]).ToArray();
        // For gx: per group and tap, W[.., .., tap] as (Cout/G, NR) panels per lane tile of input channels (and w_phi);
        // the gradient is accumulated channels-last (see BackwardSamples).
        int taps = geometry.KH * geometry.KW;
        int phiLength = CpuCacKernel<T>.PackedLength(coutG, cinG), wLength = taps * phiLength;
        var wPanels = gx is null ? null : Rent(geometry.Groups * wLength);
        var phiPanels = gx is null ? null : Rent(geometry.Groups * phiLength);
        for (int gr = 0; gx is not null && gr < geometry.Groups; gr++)
        {
            for (int t = 0; t < taps; t++)
                CpuCacKernel<T>.Pack(w, (long)gr * coutG * patch + t, patch, taps, coutG, cinG, wPanels!, gr * wLength + t * phiLength);
            CpuCacKernel<T>.Pack(wPhi, (long)gr * coutG * cinG, cinG, 1, coutG, cinG, phiPanels!, gr * phiLength);
        }
        ForChunks(geometry, (chunk, n0, n1) => BackwardSamples(x, gy, gx, gwParts?[chunk], phiParts?[chunk], l, wPanels, wLength, phiPanels, phiLength,
            coutPad, n0, n1));
        Return(wPanels, phiPanels);
        if (gw is null) return;
        Reduce(gwParts!, phiParts!, gw, geometry, coutPad);
    }

    // Adds the workers' partial sums in worker order and transposes them into gw (Cout, Cin/G, KH, KW); w_phi's
    // gradient reaches every tap.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Reduce(T[][] gwParts, T[][] phiParts, T[] gw, ConvGeometry geometry, int coutPad)
    {
        int patch = geometry.PatchSize, coutG = geometry.CoutPerGroup, cinG = geometry.CinPerGroup, taps = geometry.KH * geometry.KW;
        int gwtLength = geometry.Groups * patch * coutPad, phitLength = geometry.Groups * cinG * coutPad;
        var gwt = gwParts[0];
        var phit = phiParts[0];
        for (int c = 1; c < gwParts.Length; c++)
        {
            for (int i = 0; i < gwtLength; i++) gwt[i] += gwParts[c][i];
            for (int i = 0; i < phitLength; i++) phit[i] += phiParts[c][i];
        }
        for (int gr = 0; gr < geometry.Groups; gr++)
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
        var geometry = l.Geometry;
        int patch = geometry.PatchSize, coutG = geometry.CoutPerGroup, cinG = geometry.CinPerGroup, positions = l.Positions;
        // gx is accumulated channels-last, (Hp*Wp, G * cinPad), so each tile row adds two whole vectors.
        int cinPad = (cinG + NR - 1) / NR * NR, stride = geometry.Groups * cinPad;
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
                for (int gr = 0; gr < geometry.Groups; gr++)
                    CpuTranspose<T>.Tile(ref gy[(n * geometry.Cout + gr * coutG) * positions], positions, ref gyt[gr * coutPad], l.Ldc, coutG, positions, default);
                for (int part = 0; part < 2; part++)
                {
                    // part 0: the sharp windows (taps, W); part 1: the smooth sample pixels (points, w_phi).
                    var starts = part == 0 ? l.SharpStart : l.SmoothStart;
                    int a = starts[n], count = starts[n + 1] - a;
                    if (count == 0) continue;
                    l.Locate(a, count, n, bases, outs, l.Ldc);
                    int steps = part == 0 ? patch : cinG;
                    var offsets = part == 0 ? l.Taps : l.Points;
                    for (int gr = 0; gr < geometry.Groups; gr++)
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
}

using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Cac.Cpu.Kernels;

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
/// <para>
/// GPU twin: none as such, a different algorithm: the GPU composes the sparse convolution from
///    Cac.Gpu/Kernels/CacGatherKernels.cs and GEMMs in Cac.Core/Backends/Composed/CacSparseComposed.cs (the layer
///    forward in CacLayerComposed.cs), the CPU fuses it per sample in registers here.
/// Reference: Cac.Core/Cpu/Reference/CacLayerReference.cs.
/// Checked against: Cac.Tests/ContentAware/CacSparseKernelTests.cs, Cac.Tests/ContentAware/CacFusedForwardTests.cs,
///    Cac.Tests/ContentAware/CacConvTests.cs, Cac.Tests/PyTorch/CacFixtureTests.cs.
/// </para>
/// </summary>
internal static partial class CpuCacSparse<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static int NR => CpuCacKernel<T>.NR;
    private const int MR = CpuCacKernel<T>.MR;

    // Geometry of one call: the per-sample partition of the position list and the kernels' offset tables.
    private sealed class Plan
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public Plan(int[]? order, int sharp, ConvGeometry geometry, CacSamplePoint point)
        {
            Geometry = geometry;
            Order = order ?? [];
            Positions = geometry.Ho * geometry.Wo;
            Wp = geometry.W + 2 * geometry.PadW;
            PaddedPlane = (geometry.H + 2 * geometry.PadH) * Wp;
            PaddedSample = geometry.Cin * PaddedPlane;
            // Without an order (the fused layer forward), each sample is partitioned on the fly.
            SharpStart = order is null ? [] : Starts(order, 0, sharp, geometry.N, Positions);
            SmoothStart = order is null ? [] : Starts(order, sharp, geometry.N * Positions - sharp, geometry.N, Positions);
            var (offH, offW) = CacGeometry.SampleOffset(geometry, point);
            // Taps[gr * patch + (c, kh, kw)]: offset of tap (c, kh, kw) of group gr from a window origin in the padded sample.
            Taps = new int[geometry.Groups * geometry.PatchSize];
            int t = 0;
            for (int c = 0; c < geometry.Cin; c++)
                for (int i = 0; i < geometry.KH; i++)
                    for (int j = 0; j < geometry.KW; j++)
                        Taps[t++] = c * PaddedPlane + i * geometry.DilationH * Wp + j * geometry.DilationW;
            // Points[c]: offset of channel c's sample pixel from a window origin.
            Points = new int[geometry.Cin];
            for (int c = 0; c < geometry.Cin; c++) Points[c] = c * PaddedPlane + offH * Wp + offW;
            // TapShifts[kh * KW + kw]: offset of the tap's pixel from a window origin within one plane; PointShift likewise.
            TapShifts = new int[geometry.KH * geometry.KW];
            for (int i = 0; i < geometry.KH; i++)
                for (int j = 0; j < geometry.KW; j++)
                    TapShifts[i * geometry.KW + j] = i * geometry.DilationH * Wp + j * geometry.DilationW;
            PointShift = [offH * Wp + offW];
            // Origins[q]: window origin of output position q in the padded sample.
            Origins = new int[Positions];
            for (int q = 0; q < Positions; q++) Origins[q] = q / geometry.Wo * geometry.StrideH * Wp + q % geometry.Wo * geometry.StrideW;
            // y and gy are staged channels-last, (positions, Ldc) with each group's channels padded to whole tiles:
            // a tile row is then two vectors. Lanes[i] = i (the kernel's step offsets over a staged row).
            CoutPad = (geometry.CoutPerGroup + CpuCacKernel<T>.NR - 1) / CpuCacKernel<T>.NR * CpuCacKernel<T>.NR;
            Ldc = geometry.Groups * CoutPad;
            Lanes = [.. Enumerable.Range(0, Ldc)];
        }

        public ConvGeometry Geometry { get; }
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

    private static int Chunks(ConvGeometry geometry) =>
        Environment.ProcessorCount > 1 ? Math.Clamp(geometry.N, 1, Environment.ProcessorCount) : 1;

    // Runs body(chunk, nStart, nEnd) over the batch in a fixed number of chunks.
    private static void ForChunks(ConvGeometry geometry, Action<int, int, int> body)
    {
        int chunks = Chunks(geometry);
        if (chunks == 1) { body(0, 0, geometry.N); return; }
        CpuParallel.For(chunks, 1, (c0, c1) =>
        {
            for (int c = (int)c0; c < c1; c++) body(c, (int)((long)geometry.N * c / chunks), (int)((long)geometry.N * (c + 1) / chunks));
        });
    }

    // Copies sample n of x (Cin, H, W) into the interior of xp, whose border stays zero.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pad(T[] x, int n, T[] xp, Plan l)
    {
        var geometry = l.Geometry;
        int h = geometry.H, w = geometry.W;
        var src = x.AsSpan(n * geometry.Cin * h * w, geometry.Cin * h * w);
        var dst = xp.AsSpan(0, l.PaddedSample);
        for (int c = 0; c < geometry.Cin; c++)
            for (int r = 0; r < h; r++)
                src.Slice((c * h + r) * w, w).CopyTo(dst.Slice(c * l.PaddedPlane + (r + geometry.PadH) * l.Wp + geometry.PadW, w));
    }

    // Row offsets of the MR-tile starting at t of a list (a short tile repeats its last entry).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint Row(ReadOnlySpan<int> list, int t, int i) => list[Math.Min(t + i, list.Length - 1)];

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

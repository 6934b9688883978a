using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cac.Cpu.Kernels;

/// <summary>
/// The weight gradient of the Winograd convolution. Since Y = A^T [ (G w G^T) ⊙ V ] A is linear in w,
/// dL/dw = G^T [ sum over tiles of (A gy A^T) ⊙ V ] G. Per block, the input windows go through the forward's input
/// transform into V (ξ, Cin, tiles), transposed to (ξ, tiles, Cin), and each 4 x 4 tile of gy through A gy A^T into
/// Z (ξ, Cout, tiles); the 36 points then accumulate dW_ξ (Cout, Cin) += Z_ξ @ V_ξ^T in register tiles of 6 output
/// channels x 2 vectors of input channels (K = the block's tiles). Unused tiles are zero in Z, so they add nothing.
/// Each worker sums a contiguous range of blocks into its own dW; the workers' sums are added in worker order before the
/// final G^T dW G, so the result does not depend on scheduling.
/// </summary>
internal static partial class ConvWinograd<T>
{
    private const int GradTileChannels = 6; // output channels per register tile of the weight gradient

    // Channel pairs above which the direct kernel is as fast or faster (measured: equal at 256 x 256, 15% faster at
    // 512 x 512; the per-worker dW and the 36 x Cout x Cin sums outgrow the caches).
    private const int MaxGradientPairs = 128 * 128;

    /// <summary>Whether <see cref="WeightGradient"/> is the faster weight gradient for the geometry.</summary>
    public static bool AppliesToWeightGradient(ConvGeometry geometry) => Applies(geometry) && geometry.Cin * geometry.Cout <= MaxGradientPairs;

    /// <summary>gw = dL/dw. x: (N, Cin, H, W), gy: (N, Cout, Ho, Wo), gw: (Cout, Cin, 3, 3), overwritten.</summary>
    public static void WeightGradient(T[] x, T[] gy, T[] gw, ConvGeometry geometry)
    {
        var plan = PlanFor(geometry);
        long allRows = (long)geometry.N * plan.TileRows;
        int blocks = (int)((allRows + plan.RowsPerBlock - 1) / plan.RowsPerBlock);
        int workers = Math.Max(1, Math.Min(Environment.ProcessorCount, blocks));
        // dW is kept padded to whole register tiles: (36, Cout rounded to 6, Cin rounded to 2 vectors).
        var sum = new Sums(RoundUp(geometry.Cout, GradTileChannels), RoundUp(geometry.Cin, 2 * W));
        var sums = new T[workers][];
        int[] lengths =
        [
            Points * plan.Span,                 // gathered windows (i, j, tile), then gy tiles (a, b, tile)
            Alpha * Side * plan.Span,           // gy tiles after the column transform, (k, b, tile)
            Points * geometry.Cin * plan.Flat,         // V, (ξ, ci, tile)
            Points * plan.Flat * sum.PaddedCin,   // V transposed, (ξ, tile, ci padded)
            Points * geometry.Cout * plan.Flat,        // Z, (ξ, co, tile)
            Side * (RoundUp(plan.TileCols, W) + 1), // one zero-bordered row
            plan.Flat,                          // a zero row: Z of the channels past Cout in the last register tile
        ];

        void Worker(int worker)
        {
            var dw = sums[worker] = ArrayPool<T>.Shared.Rent(sum.Length);
            dw.AsSpan(0, sum.Length).Clear();
            var buffers = lengths.Select(length => ArrayPool<T>.Shared.Rent(length)).ToArray();
            buffers[3].AsSpan(0, lengths[3]).Clear(); // the padding channels stay zero
            buffers[6].AsSpan(0, plan.Flat).Clear();
            try
            {
                for (long b = (long)blocks * worker / workers; b < (long)blocks * (worker + 1) / workers; b++)
                {
                    long first = b * plan.RowsPerBlock;
                    int count = (int)Math.Min(plan.RowsPerBlock, allRows - first);
                    for (int ci = 0; ci < geometry.Cin; ci++)
                    {
                        Gather(x, geometry, plan, first, count, ci, buffers[0], buffers[5]);
                        TransformInput(plan, geometry.Cin, ci, buffers[0], buffers[2]);
                    }
                    TransposePoints(geometry.Cin, plan.Flat, sum.PaddedCin, buffers[2], buffers[3]);
                    for (int co = 0; co < geometry.Cout; co++)
                    {
                        GatherGradient(gy, geometry, plan, first, count, co, buffers[0], buffers[5]);
                        TransformGradient(plan, geometry.Cout, co, buffers[0], buffers[1], buffers[4]);
                    }
                    AccumulatePoints(geometry.Cout, plan.Flat, sum, buffers[4], buffers[3], buffers[6], dw);
                }
            }
            finally
            {
                foreach (var buffer in buffers) ArrayPool<T>.Shared.Return(buffer);
            }
        }

        try
        {
            if (workers == 1) Worker(0);
            else CpuParallel.For(workers, 1, (start, end) =>
            {
                for (long worker = start; worker < end; worker++) Worker((int)worker);
            });
            for (int worker = 1; worker < workers; worker++)
                CpuConv<T>.Add(sums[worker].AsSpan(0, sum.Length), sums[0].AsSpan(0, sum.Length));
            TransformWeightGradient(sums[0], sum, geometry, gw);
        }
        finally
        {
            foreach (var s in sums)
                if (s is not null) ArrayPool<T>.Shared.Return(s);
        }
    }

    // The padded dW of one worker: (36, PaddedCout, PaddedCin).
    private readonly record struct Sums(int PaddedCout, int PaddedCin)
    {
        public int Length => Points * PaddedCout * PaddedCin;
    }

    // V (ξ, cin, flat) -> vt (ξ, flat, ld).
    private static void TransposePoints(int cin, int flat, int ld, T[] v, T[] vt)
    {
        for (int xi = 0; xi < Points; xi++)
            CpuTranspose<T>.Tile(ref v[(long)xi * cin * flat], flat, ref vt[(long)xi * flat * ld], ld, cin, flat, default);
    }

    // dW_ξ (Cout, Cin) += Z_ξ (Cout, f) @ V_ξ^T (f, Cin) for the 36 points, on the direct weight gradient's register
    // kernel (6 channels x 2 vectors; the Z rows broadcast, one row of tiles).
    private static void AccumulatePoints(int cout, int flat, Sums sum, T[] z, T[] vt, T[] zero, T[] dw)
    {
        int ld = sum.PaddedCin;
        for (int xi = 0; xi < Points; xi++)
        {
            long zBase = (long)xi * cout * flat;
            for (int co = 0; co < sum.PaddedCout; co += GradTileChannels)
            {
                ref T Row(int r) => ref co + r < cout ? ref z[zBase + (long)(co + r) * flat] : ref zero[0];
                for (int ci = 0; ci < ld; ci += 2 * W)
                    ConvWeightGrad<T>.Kernel(1, flat, 0, 1, ref Row(0), ref Row(1), ref Row(2), ref Row(3), ref Row(4), ref Row(5),
                        ref vt[(long)xi * flat * ld + ci], ld, ref dw[((long)xi * sum.PaddedCout + co) * ld + ci], ld, GradTileChannels);
            }
        }
    }

    // Output channel co of gy for the block's tiles -> gathered (a, b, f) = gy (4 r + a, 4 t + b) of tile f = (q, t),
    // zero past the output: the tiles must add nothing there.
    private static void GatherGradient(T[] gy, ConvGeometry geometry, Plan plan, long first, int count, int co, T[] gathered, T[] row) =>
        GatherTiles(gy, geometry.Cout, co, geometry.Ho, geometry.Wo, 0, 0, Side, plan, first, count, gathered, row);

    // gathered (a, b, f) -> column transform (k, b, f) -> row transform into Z (ξ = 6 k + l, co, f): Z = A gy A^T.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformGradient(Plan plan, int cout, int co, T[] gathered, T[] columns, T[] z)
    {
        int span = plan.Span, flat = plan.Flat, w = W, rowStride = Side * span;
        ref T gd = ref MemoryMarshal.GetArrayDataReference(gathered);
        ref T cd = ref MemoryMarshal.GetArrayDataReference(columns);
        for (int b = 0; b < Side; b++)
            for (int f = 0; f < flat; f += w)
            {
                ref T d = ref Unsafe.Add(ref gd, b * span + f);
                GradientTransform(Load(ref d, 0), Load(ref d, rowStride), Load(ref d, 2 * rowStride), Load(ref d, 3 * rowStride),
                    out var z0, out var z1, out var z2, out var z3, out var z4, out var z5);
                ref T o = ref Unsafe.Add(ref cd, b * span + f);
                z0.StoreUnsafe(ref o); z1.StoreUnsafe(ref Unsafe.Add(ref o, rowStride));
                z2.StoreUnsafe(ref Unsafe.Add(ref o, 2 * rowStride)); z3.StoreUnsafe(ref Unsafe.Add(ref o, 3 * rowStride));
                z4.StoreUnsafe(ref Unsafe.Add(ref o, 4 * rowStride)); z5.StoreUnsafe(ref Unsafe.Add(ref o, 5 * rowStride));
            }
        nint pointStride = (nint)cout * flat;
        for (int k = 0; k < Alpha; k++)
        {
            ref T row = ref Unsafe.Add(ref cd, k * rowStride);
            ref T zk = ref z[(long)k * Alpha * pointStride + (long)co * flat];
            for (int f = 0; f < flat; f += w)
            {
                ref T c = ref Unsafe.Add(ref row, f);
                GradientTransform(Load(ref c, 0), Load(ref c, span), Load(ref c, 2 * span), Load(ref c, 3 * span),
                    out var z0, out var z1, out var z2, out var z3, out var z4, out var z5);
                ref T o = ref Unsafe.Add(ref zk, f);
                z0.StoreUnsafe(ref o); z1.StoreUnsafe(ref Unsafe.Add(ref o, pointStride));
                z2.StoreUnsafe(ref Unsafe.Add(ref o, 2 * pointStride)); z3.StoreUnsafe(ref Unsafe.Add(ref o, 3 * pointStride));
                z4.StoreUnsafe(ref Unsafe.Add(ref o, 4 * pointStride)); z5.StoreUnsafe(ref Unsafe.Add(ref o, 5 * pointStride));
            }
        }
    }

    // (z0 .. z5) = A (g0 .. g3), A = (A^T)^T the 6 x 4 transpose of the output transform.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientTransform(Vector<T> g0, Vector<T> g1, Vector<T> g2, Vector<T> g3,
        out Vector<T> z0, out Vector<T> z1, out Vector<T> z2, out Vector<T> z3, out Vector<T> z4, out Vector<T> z5)
    {
        var even = g0 + g2;
        var odd = g1 + g3;
        var even4 = g0 + new Vector<T>(T.CreateTruncating(4)) * g2;
        var odd8 = new Vector<T>(T.CreateTruncating(2)) * g1 + new Vector<T>(T.CreateTruncating(8)) * g3;
        z0 = g0;
        z1 = even + odd;
        z2 = even - odd;
        z3 = even4 + odd8;
        z4 = even4 - odd8;
        z5 = g3;
    }

    // dW (36, padded Cout, padded Cin) -> gw (Cout, Cin, 3, 3) = G^T dW G per channel pair, in double.
    private static void TransformWeightGradient(T[] dw, Sums sum, ConvGeometry geometry, T[] gw)
    {
        ReadOnlySpan<double> gm = [1.0 / 4, 0, 0, -1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6, 1.0 / 6, -1.0 / 6,
            1.0 / 24, 1.0 / 12, 1.0 / 6, 1.0 / 24, -1.0 / 12, 1.0 / 6, 0, 0, 1];
        int pairs = geometry.Cout * geometry.Cin;
        long pointStride = (long)sum.PaddedCout * sum.PaddedCin;
        Span<double> t = stackalloc double[3 * Alpha];
        for (int pair = 0; pair < pairs; pair++)
        {
            long at = (long)(pair / geometry.Cin) * sum.PaddedCin + pair % geometry.Cin;
            // t (3, 6) = G^T dW.
            for (int i = 0; i < 3; i++)
                for (int l = 0; l < Alpha; l++)
                {
                    double s = 0;
                    for (int k = 0; k < Alpha; k++) s += gm[k * 3 + i] * double.CreateTruncating(dw[(k * Alpha + l) * pointStride + at]);
                    t[i * Alpha + l] = s;
                }
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                {
                    double s = 0;
                    for (int l = 0; l < Alpha; l++) s += t[i * Alpha + l] * gm[l * 3 + j];
                    gw[pair * 9 + i * 3 + j] = T.CreateTruncating(s);
                }
        }
    }
}

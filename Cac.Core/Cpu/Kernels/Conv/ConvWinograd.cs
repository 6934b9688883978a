using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cac.Cpu.Kernels;

/// <summary>
/// Winograd F(4x4, 3x3) convolution (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016) for
/// stride-1, undilated, ungrouped 3 x 3 convs. A 4 x 4 output tile is Y = A^T [ U ⊙ V ] A with U = G w G^T (6 x 6, per
/// output and input channel) and V = B^T d B (6 x 6, per input channel, d the tile's 6 x 6 input window), so the
/// 144 multiply-adds per tile and channel pair become 36. Summed over the input channels, each of the 36 points ξ of
/// the 6 x 6 grid is a GEMM M_ξ (Cout, tiles) = U_ξ (Cout, Cin) @ V_ξ (Cin, tiles).
/// <para>
/// Layout: vector lanes run over tiles. The batch's tile rows are cut into blocks (V and M of a block stay near the L2
/// cache); a block's tiles are numbered f = (tile row, tile column) across samples. Per input channel, the 6 x 6 windows
/// are gathered into 36 rows (i, j) of tiles (each image row split into column phases by vector shuffles), transformed
/// with whole-vector arithmetic into V, and after the 36 GEMMs each output channel is transformed back, its tile columns
/// interleaved into image rows and copied out through the epilogue (<see cref="ConvEpilogue{T}"/>).
/// </para>
/// <para>
/// Accuracy: the error of an output is bounded through its tile's whole 6 x 6 input window, not its own 3 x 3 one:
/// to first order |y^ - y| &lt;= (Cin + 18) u |A^T| (sum over ci of |U| ⊙ |B^T| |d| |B|) |A| (u the unit roundoff), so an
/// output whose own window is zero can come out as a rounding-size value (about 1e-6 of its neighbours' magnitude in
/// float) where the direct kernels give exactly 0. On dense data the errors are about those of the direct kernels. The
/// tests check this bound against a double reference, with sparse inputs and padding up to 3.
/// </para>
/// <para>
/// GPU twin: none (a CPU algorithm; the GPU runs im2col + GEMM, Cac.Gpu/Kernels/Im2ColKernels.cs and GemmKernel.cs).
/// Reference: Cac.Core/Cpu/Reference/ConvReference.cs.
/// Checked against: Cac.Tests/Core/ConvWinogradTests.cs, Cac.Tests/Core/WinogradLaneTests.cs,
///    Cac.Tests/Core/CpuKernelChoiceTests.cs.
/// </para>
/// </summary>
internal static partial class ConvWinograd<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Alpha = 6;                     // input tile side
    private const int Side = 4;                      // output tile side
    private const int Points = Alpha * Alpha;        // GEMMs per block
    private const int TileChannels = 4;              // output channels per register tile of the point GEMMs
    private const int MinChannels = 8;               // below this the transforms cost more than they save
    private const int BlockBytes = 384 * 1024;       // V and M of one block, to stay near the per-core L2 cache
    private static int W => Vector<T>.Count;

    /// <summary>
    /// Whether the geometry is a stride-1, undilated, ungrouped 3 x 3 conv with enough channels to gain (and few enough
    /// that the transformed weights, 36 Cout Cin values, fit one array).
    /// </summary>
    public static bool Applies(ConvGeometry geometry) =>
        geometry.KH == 3 && geometry.KW == 3 && geometry.StrideH == 1 && geometry.StrideW == 1 && geometry.DilationH == 1 && geometry.DilationW == 1 &&
        geometry.Groups == 1 && geometry.Cin >= MinChannels && geometry.Cout >= MinChannels && geometry.Ho >= 1 && geometry.Wo >= 1 &&
        (long)Points * RoundUp(geometry.Cout, TileChannels) * geometry.Cin <= Array.MaxLength;

    // Tiles of one call: tile rows per sample, tile columns per row, tile rows per block and the block's width in tiles
    // (a whole number of PointKernel tiles).
    private readonly record struct Plan(int TileRows, int TileCols, int RowsPerBlock, int Flat)
    {
        public int Span => Flat + Vector<T>.Count; // a gathered row: the block's tiles and slack for the last vector's spill
    }

    private static Plan PlanFor(ConvGeometry geometry)
    {
        int rows = (geometry.Ho + Side - 1) / Side, cols = (geometry.Wo + Side - 1) / Side;
        long bytesPerTile = (long)Points * (geometry.Cin + geometry.Cout) * Unsafe.SizeOf<T>();
        long targetTiles = Math.Max(2 * W, BlockBytes / bytesPerTile);
        long allRows = (long)geometry.N * rows;
        // Enough blocks to keep every core busy; of the block sizes that fit, the one that wastes the fewest lanes.
        int limit = (int)Math.Clamp(targetTiles / cols, 1, Math.Max(1, allRows / Environment.ProcessorCount));
        int perBlock = 1;
        double best = 0;
        for (int p = 1; p <= limit; p++)
        {
            double used = (double)p * cols / RoundUp(p * cols, 3 * W);
            if (used >= best) (best, perBlock) = (used, p);
        }
        int flat = RoundUp(perBlock * cols, 3 * W);
        return new Plan(rows, cols, perBlock, flat);
    }

    /// <summary>y = epilogue(conv(x, w)). x: (N, Cin, H, W), w: (Cout, Cin, 3, 3), y: (N, Cout, Ho, Wo), overwritten.</summary>
    public static void Forward(T[] x, T[] w, T[] y, ConvGeometry geometry, ConvEpilogue<T> epilogue)
    {
        var plan = PlanFor(geometry);
        var packed = ArrayPool<T>.Shared.Rent(Points * RoundUp(geometry.Cout, TileChannels) * geometry.Cin);
        TransformWeights(w, geometry, packed);
        long allRows = (long)geometry.N * plan.TileRows;
        int blocks = (int)((allRows + plan.RowsPerBlock - 1) / plan.RowsPerBlock);
        int[] lengths =
        [
            Points * plan.Span,            // gathered input, (row i, column j, tile)
            Points * geometry.Cin * plan.Flat,    // V, (ξ, ci, tile)
            Points * geometry.Cout * plan.Flat,   // M, (ξ, co, tile)
            Side * Alpha * plan.Flat,      // M after the column transform, (a, l, tile)
            Side * Side * plan.Flat,       // one channel's output rows, (a, tile * 4 + b)
            Side * (RoundUp(plan.TileCols, W) + 1), // one zero-bordered input row
        ];
        try
        {
            CpuParallel.For(blocks, 1, (start, end) =>
            {
                var buffers = lengths.Select(length => ArrayPool<T>.Shared.Rent(length)).ToArray();
                try
                {
                    for (long b = start; b < end; b++)
                    {
                        long first = b * plan.RowsPerBlock;
                        int count = (int)Math.Min(plan.RowsPerBlock, allRows - first);
                        for (int ci = 0; ci < geometry.Cin; ci++)
                        {
                            Gather(x, geometry, plan, first, count, ci, buffers[0], buffers[5]);
                            TransformInput(plan, geometry.Cin, ci, buffers[0], buffers[1]);
                        }
                        MultiplyPoints(geometry, plan, packed, buffers[1], buffers[2]);
                        for (int co = 0; co < geometry.Cout; co++)
                            TransformOutput(geometry, plan, first, count, co, buffers[2], buffers[3], buffers[4], y, epilogue);
                    }
                }
                finally
                {
                    foreach (var buffer in buffers) ArrayPool<T>.Shared.Return(buffer);
                }
            });
        }
        finally
        {
            ArrayPool<T>.Shared.Return(packed);
        }
    }

    // w (Cout, Cin, 3, 3) -> U_ξ = G w G^T packed for PointKernel: (36, Cout / 4 tiles, Cin, 4), channels past Cout zero.
    // Computed in double, per output channel over the cores.
    private static void TransformWeights(T[] w, ConvGeometry geometry, T[] packed)
    {
        int cin = geometry.Cin, mTiles = (geometry.Cout + TileChannels - 1) / TileChannels;
        long pointStride = (long)mTiles * cin * TileChannels;
        if (geometry.Cout % TileChannels != 0) packed.AsSpan(0, (int)(Points * pointStride)).Clear();
        CpuParallel.For(geometry.Cout, 8, (start, end) =>
        {
            Span<double> gw = stackalloc double[Alpha * 3];
            Span<double> u = stackalloc double[Alpha];
            for (int co = (int)start; co < end; co++)
                for (int ci = 0; ci < cin; ci++)
                {
                    ReadOnlySpan<T> f = w.AsSpan((co * cin + ci) * 9, 9);
                    // Columns: gw (6, 3) = G f.
                    for (int j = 0; j < 3; j++)
                    {
                        FilterTransform(double.CreateTruncating(f[j]), double.CreateTruncating(f[3 + j]), double.CreateTruncating(f[6 + j]), u);
                        for (int k = 0; k < Alpha; k++) gw[k * 3 + j] = u[k];
                    }
                    // Rows: U (6, 6) = gw G^T.
                    long dst = ((long)(co / TileChannels) * cin + ci) * TileChannels + co % TileChannels;
                    for (int k = 0; k < Alpha; k++)
                    {
                        FilterTransform(gw[k * 3], gw[k * 3 + 1], gw[k * 3 + 2], u);
                        for (int l = 0; l < Alpha; l++) packed[(k * Alpha + l) * pointStride + dst] = T.CreateTruncating(u[l]);
                    }
                }
        });
    }

    // u = G (f0, f1, f2), G the 6 x 3 filter transform of F(4x4, 3x3).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FilterTransform(double f0, double f1, double f2, Span<double> u)
    {
        double even = f0 + f2, quarter = f0 / 24 + f2 / 6;
        u[0] = f0 / 4;
        u[1] = -(even + f1) / 6;
        u[2] = -(even - f1) / 6;
        u[3] = quarter + f1 / 12;
        u[4] = quarter - f1 / 12;
        u[5] = f2;
    }

    // Input channel ci of the block's tiles -> gathered (i, j, f) = the zero-padded image at (4 r + i, 4 t + j) of tile
    // f = (q, t), i, j < 6.
    private static void Gather(T[] x, ConvGeometry geometry, Plan plan, long first, int count, int ci, T[] gathered, T[] row) =>
        GatherTiles(x, geometry.Cin, ci, geometry.H, geometry.W, geometry.PadH, geometry.PadW, Alpha, plan, first, count, gathered, row);

    // Plane c (of `channels` per sample, h x w) for the block's tile rows first .. first + count (row q is tile row
    // q % TileRows of sample q / TileRows) -> gathered (i, j, f) = the plane zero-padded by (padH, padW) at (4 r + i, 4 t + j)
    // of tile f = (q, t), for i, j < size (6: input windows, whose columns 4 and 5 are the next tile's 0 and 1; 4: gy
    // tiles); unused tiles are zero or hold spilled pixels (finite; the weight gradient meets them with zero gy tiles).
    // Each plane row (zeros for rows outside) is copied into a zero-bordered row buffer and split into column phases a
    // vector of tiles at a time; the last vector of a segment spills into the next segment, which is written after it.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GatherTiles(T[] data, int channels, int c, int h, int w, int padH, int padW, int size, Plan plan,
        long first, int count, T[] gathered, T[] row)
    {
        int span = plan.Span, lanes = W;
        for (int j = 0; j < size * size; j++)
            for (int f = count * plan.TileCols; f < span; f += lanes)
                Vector<T>.Zero.StoreUnsafe(ref gathered[j * span + Math.Min(f, span - lanes)]);
        row.AsSpan(0, Side * (RoundUp(plan.TileCols, lanes) + 1)).Clear();
        ref T padded = ref row[0];
        for (int q = 0; q < count; q++)
        {
            long n = (first + q) / plan.TileRows;
            int r = (int)((first + q) % plan.TileRows);
            long plane = (n * channels + c) * h * w;
            for (int i = 0; i < size; i++)
            {
                int source = Side * r + i - padH;
                if ((uint)source < (uint)h) Copy(ref data[plane + (long)source * w], ref Unsafe.Add(ref padded, padW), w);
                else row.AsSpan(padW, w).Clear();
                ref T dst = ref gathered[i * size * span + q * plan.TileCols];
                for (int t = 0; t < plan.TileCols; t += lanes)
                {
                    ref T src = ref Unsafe.Add(ref padded, Side * t);
                    Deinterleave(Load(ref src, 0), Load(ref src, lanes), Load(ref src, 2 * lanes), Load(ref src, 3 * lanes),
                        out var p0, out var p1, out var p2, out var p3);
                    ref T d = ref Unsafe.Add(ref dst, t);
                    p0.StoreUnsafe(ref d); p1.StoreUnsafe(ref Unsafe.Add(ref d, span));
                    p2.StoreUnsafe(ref Unsafe.Add(ref d, 2 * span)); p3.StoreUnsafe(ref Unsafe.Add(ref d, 3 * span));
                    if (size == Side) continue;
                    // Columns 4 and 5: phases 0 and 1 one tile on, i.e. shifted down one lane with the next tile's pixel last.
                    ref T next = ref Unsafe.Add(ref src, Side * lanes);
                    ShiftIn(p0, next).StoreUnsafe(ref Unsafe.Add(ref d, 4 * span));
                    ShiftIn(p1, Unsafe.Add(ref next, 1)).StoreUnsafe(ref Unsafe.Add(ref d, 5 * span));
                }
            }
        }
    }

    // gathered (i, j, f) -> V (ξ = 6 k + l, ci, f): per vector of tiles, the column transform of the six columns into
    // a 6 x 6 scratch of vectors, then the row transform of each of its rows.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformInput(Plan plan, int cin, int ci, T[] gathered, T[] v)
    {
        int span = plan.Span, flat = plan.Flat, w = W, rowStride = Alpha * span;
        nint pointStride = (nint)cin * flat;
        Span<Vector<T>> t = stackalloc Vector<T>[Points];
        ref T gd = ref MemoryMarshal.GetArrayDataReference(gathered);
        ref T vd = ref v[(long)ci * flat];
        for (int f = 0; f < flat; f += w)
        {
            for (int j = 0; j < Alpha; j++)
            {
                ref T d = ref Unsafe.Add(ref gd, j * span + f);
                InputTransform(Load(ref d, 0), Load(ref d, rowStride), Load(ref d, 2 * rowStride), Load(ref d, 3 * rowStride),
                    Load(ref d, 4 * rowStride), Load(ref d, 5 * rowStride), out t[j], out t[Alpha + j], out t[2 * Alpha + j],
                    out t[3 * Alpha + j], out t[4 * Alpha + j], out t[5 * Alpha + j]);
            }
            for (int k = 0; k < Alpha; k++)
            {
                InputTransform(t[k * Alpha], t[k * Alpha + 1], t[k * Alpha + 2], t[k * Alpha + 3], t[k * Alpha + 4], t[k * Alpha + 5],
                    out var r0, out var r1, out var r2, out var r3, out var r4, out var r5);
                ref T o = ref Unsafe.Add(ref vd, k * Alpha * pointStride + f);
                r0.StoreUnsafe(ref o); r1.StoreUnsafe(ref Unsafe.Add(ref o, pointStride));
                r2.StoreUnsafe(ref Unsafe.Add(ref o, 2 * pointStride)); r3.StoreUnsafe(ref Unsafe.Add(ref o, 3 * pointStride));
                r4.StoreUnsafe(ref Unsafe.Add(ref o, 4 * pointStride)); r5.StoreUnsafe(ref Unsafe.Add(ref o, 5 * pointStride));
            }
        }
    }

    // M_ξ (Cout, f) = U_ξ (Cout, Cin) @ V_ξ (Cin, f) for the 36 points, in register tiles of 4 channels x 3 vectors of tiles.
    private static void MultiplyPoints(ConvGeometry geometry, Plan plan, T[] packed, T[] v, T[] m)
    {
        int flat = plan.Flat, mTiles = (geometry.Cout + TileChannels - 1) / TileChannels;
        for (int xi = 0; xi < Points; xi++)
            for (int mt = 0; mt < mTiles; mt++)
            {
                int co0 = mt * TileChannels;
                PointKernel(geometry.Cin, ref packed[((long)xi * mTiles + mt) * geometry.Cin * TileChannels], ref v[(long)xi * geometry.Cin * flat], flat,
                    ref m[((long)xi * geometry.Cout + co0) * flat], Math.Min(TileChannels, geometry.Cout - co0));
            }
    }

    // m (channels, flat) = a (k, 4 packed) ^T @ v (k, flat); flat is a whole number of 3-vector tiles. 12 accumulators:
    // with the 3 row loads and the broadcast, the 16 vector registers of AVX2.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PointKernel(int k, ref T ap, ref T v, int flat, ref T m, int channels)
    {
        nuint w = (nuint)W;
        for (int f = 0; f < flat; f += 3 * W)
        {
            Vector<T> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
            Vector<T> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
            ref T a = ref ap;
            ref T b = ref Unsafe.Add(ref v, f);
            for (int p = 0; p < k; p++)
            {
                var b0 = Vector.LoadUnsafe(ref b);
                var b1 = Vector.LoadUnsafe(ref b, w);
                var b2 = Vector.LoadUnsafe(ref b, 2 * w);
                var s = new Vector<T>(a);
                c00 = GemmKernel<T>.MulAdd(s, b0, c00); c01 = GemmKernel<T>.MulAdd(s, b1, c01); c02 = GemmKernel<T>.MulAdd(s, b2, c02);
                s = new Vector<T>(Unsafe.Add(ref a, 1));
                c10 = GemmKernel<T>.MulAdd(s, b0, c10); c11 = GemmKernel<T>.MulAdd(s, b1, c11); c12 = GemmKernel<T>.MulAdd(s, b2, c12);
                s = new Vector<T>(Unsafe.Add(ref a, 2));
                c20 = GemmKernel<T>.MulAdd(s, b0, c20); c21 = GemmKernel<T>.MulAdd(s, b1, c21); c22 = GemmKernel<T>.MulAdd(s, b2, c22);
                s = new Vector<T>(Unsafe.Add(ref a, 3));
                c30 = GemmKernel<T>.MulAdd(s, b0, c30); c31 = GemmKernel<T>.MulAdd(s, b1, c31); c32 = GemmKernel<T>.MulAdd(s, b2, c32);
                a = ref Unsafe.Add(ref a, TileChannels);
                b = ref Unsafe.Add(ref b, flat);
            }
            ref T o = ref Unsafe.Add(ref m, f);
            c00.StoreUnsafe(ref o); c01.StoreUnsafe(ref o, w); c02.StoreUnsafe(ref o, 2 * w);
            if (channels < 2) continue;
            o = ref Unsafe.Add(ref o, flat);
            c10.StoreUnsafe(ref o); c11.StoreUnsafe(ref o, w); c12.StoreUnsafe(ref o, 2 * w);
            if (channels < 3) continue;
            o = ref Unsafe.Add(ref o, flat);
            c20.StoreUnsafe(ref o); c21.StoreUnsafe(ref o, w); c22.StoreUnsafe(ref o, 2 * w);
            if (channels < 4) continue;
            o = ref Unsafe.Add(ref o, flat);
            c30.StoreUnsafe(ref o); c31.StoreUnsafe(ref o, w); c32.StoreUnsafe(ref o, 2 * w);
        }
    }

    // Output channel co: M (ξ, co, f) -> column transform (a, l, f) -> row transform, interleaved into rows (a, 4 f + b),
    // then the block's output rows copied into y through the epilogue.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformOutput(ConvGeometry geometry, Plan plan, long first, int count, int co, T[] m, T[] columns, T[] outputRows,
        T[] y, in ConvEpilogue<T> epilogue)
    {
        int flat = plan.Flat, w = W;
        long pointStride = (long)geometry.Cout * flat;
        ref T cd = ref MemoryMarshal.GetArrayDataReference(columns);
        for (int l = 0; l < Alpha; l++)
        {
            ref T ml = ref m[(long)l * pointStride + (long)co * flat];
            nint k1 = (nint)(Alpha * pointStride);
            for (int f = 0; f < flat; f += w)
            {
                ref T d = ref Unsafe.Add(ref ml, f);
                OutputTransform(Load(ref d, 0), Load(ref d, k1), Load(ref d, 2 * k1), Load(ref d, 3 * k1), Load(ref d, 4 * k1), Load(ref d, 5 * k1),
                    out var o0, out var o1, out var o2, out var o3);
                ref T o = ref Unsafe.Add(ref cd, l * flat + f);
                o0.StoreUnsafe(ref o); o1.StoreUnsafe(ref Unsafe.Add(ref o, Alpha * flat));
                o2.StoreUnsafe(ref Unsafe.Add(ref o, 2 * Alpha * flat)); o3.StoreUnsafe(ref Unsafe.Add(ref o, 3 * Alpha * flat));
            }
        }
        ref T rd = ref MemoryMarshal.GetArrayDataReference(outputRows);
        for (int a = 0; a < Side; a++)
        {
            ref T ca = ref Unsafe.Add(ref cd, a * Alpha * flat);
            for (int f = 0; f < flat; f += w)
            {
                ref T d = ref Unsafe.Add(ref ca, f);
                OutputTransform(Load(ref d, 0), Load(ref d, flat), Load(ref d, 2 * flat), Load(ref d, 3 * flat), Load(ref d, 4 * flat), Load(ref d, 5 * flat),
                    out var o0, out var o1, out var o2, out var o3);
                Interleave(o0, o1, o2, o3, ref Unsafe.Add(ref rd, (a * flat + f) * Side));
            }
        }
        for (int q = 0; q < count; q++)
        {
            long n = (first + q) / plan.TileRows;
            int r = (int)((first + q) % plan.TileRows);
            for (int a = 0; a < Side && Side * r + a < geometry.Ho; a++)
            {
                long index = ((n * geometry.Cout + co) * geometry.Ho + Side * r + a) * geometry.Wo;
                Copy(ref outputRows[(a * flat + q * plan.TileCols) * Side], ref y[index], geometry.Wo);
                if (!epilogue.IsIdentity) epilogue.Apply(y.AsSpan((int)index, geometry.Wo), co, index);
            }
        }
    }

    // dst[0 .. count) = src[0 .. count): short rows, inline (a memmove call costs more than the copy).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(ref T src, ref T dst, int count)
    {
        int c = 0;
        for (; c + W <= count; c += W) Load(ref src, c).StoreUnsafe(ref Unsafe.Add(ref dst, c));
        for (; c < count; c++) Unsafe.Add(ref dst, c) = Unsafe.Add(ref src, c);
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Load(ref T origin, nint offset) => Vector.LoadUnsafe(ref Unsafe.Add(ref origin, offset));

    // (r0 .. r5) = B^T (d0 .. d5).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputTransform(Vector<T> d0, Vector<T> d1, Vector<T> d2, Vector<T> d3, Vector<T> d4, Vector<T> d5,
        out Vector<T> r0, out Vector<T> r1, out Vector<T> r2, out Vector<T> r3, out Vector<T> r4, out Vector<T> r5)
    {
        var four = new Vector<T>(T.CreateTruncating(4));
        var five = new Vector<T>(T.CreateTruncating(5));
        var two = new Vector<T>(T.CreateTruncating(2));
        var a = d4 - four * d2;     // -4 d2 + d4
        var b = d3 - four * d1;     // -4 d1 + d3
        var c = d4 - d2;
        var e = two * (d3 - d1);
        r0 = four * d0 - five * d2 + d4;
        r1 = a + b;
        r2 = a - b;
        r3 = c + e;
        r4 = c - e;
        r5 = four * d1 - five * d3 + d5;
    }

    // (o0 .. o3) = A^T (m0 .. m5).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputTransform(Vector<T> m0, Vector<T> m1, Vector<T> m2, Vector<T> m3, Vector<T> m4, Vector<T> m5,
        out Vector<T> o0, out Vector<T> o1, out Vector<T> o2, out Vector<T> o3)
    {
        var s12 = m1 + m2;
        var d12 = m1 - m2;
        var s34 = m3 + m4;
        var d34 = m3 - m4;
        o0 = m0 + s12 + s34;
        o1 = d12 + new Vector<T>(T.CreateTruncating(2)) * d34;
        o2 = s12 + new Vector<T>(T.CreateTruncating(4)) * s34;
        o3 = d12 + new Vector<T>(T.CreateTruncating(8)) * d34 + m5;
    }
}

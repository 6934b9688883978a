using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cac.Cpu.Kernels;

/// <summary>
/// Convolution forward straight from the zero-padded, stride-phase-split image (<see cref="PhasedImage"/>) into y, with the
/// epilogue (<see cref="ConvEpilogue{T}"/>) applied in registers. Per sample and group, y (Cout/G, Ho * Wo) =
/// W_g (Cout/G, patch) @ col (patch, Ho * Wo); the output pixels are cut into "slots" of one vector along a row
/// (the last slot of a row may be partial), two slots per register tile, so no column is computed past Wo and no
/// wide intermediate is copied back. Row (c, kh, kw) of col at slot (oh, ow) is the vector of the padded image at
/// table[c, kh, kw] + oh * sh * Wq + ow. The weights are packed once per call into (patch, MR) panels.
/// <para>
/// GPU twin: none (a CPU algorithm; the GPU runs im2col + GEMM, Cac.Gpu/Kernels/Im2ColKernels.cs and GemmKernel.cs).
/// Reference: Cac.Core/Cpu/Reference/ConvReference.cs.
/// Checked against: Cac.Tests/Core/ConvFusionTests.cs, Cac.Tests/Core/ConvStridedDirectTests.cs.
/// </para>
/// </summary>
internal static class ConvDirect<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static int W => Vector<T>.Count;

    /// <summary>
    /// Whether the direct path handles the geometry: strided convs with a window larger than 1 x 1 (strided 1 x 1 convs
    /// only subsample: im2col is cheaper), and stride-1 ones padded at most by the output width (wider: im2col).
    /// </summary>
    public static bool Applies(ConvGeometry geometry) =>
        geometry.Wo >= 1 && geometry.Ho >= 1 && ((geometry.StrideH > 1 || geometry.StrideW > 1) ? geometry.KH * geometry.KW > 1 : PaddedImage.Applies(geometry));

    // The output slots of one sample plane: image offset oh * sh * Wq + ow, output offset oh * Wo + ow, live lanes.
    private readonly record struct Slots(int[] Image, int[] Output, int[] Lanes)
    {
        public int Count => Image.Length;
    }

    private static Slots SlotsOf(ConvGeometry geometry, PhasedImage layout)
    {
        int w = W, perRow = (geometry.Wo + w - 1) / w, count = geometry.Ho * perRow;
        var image = new int[count];
        var output = new int[count];
        var lanes = new int[count];
        int s = 0;
        for (int oh = 0; oh < geometry.Ho; oh++)
            for (int ow = 0; ow < geometry.Wo; ow += w, s++)
            {
                image[s] = layout.RowOffset(geometry, oh) + ow;
                output[s] = oh * geometry.Wo + ow;
                lanes[s] = Math.Min(w, geometry.Wo - ow);
            }
        return new Slots(image, output, lanes);
    }

    // Rows of the register tile for coutG output channels: 4 when it divides evenly (16, 32, 64 channels), else 6.
    private static int RowsFor(int coutG) => coutG % 6 == 0 ? 6 : coutG % 4 == 0 || coutG < 6 ? 4 : 6;

    /// <summary>y = epilogue(conv(x, w)). x: (N, Cin, H, W), w: (Cout, Cin/G, KH, KW), y: (N, Cout, Ho, Wo), overwritten.</summary>
    public static void Forward(T[] x, T[] w, T[] y, ConvGeometry geometry, ConvEpilogue<T> epilogue)
    {
        int coutG = geometry.CoutPerGroup, cinG = geometry.CinPerGroup, patch = geometry.PatchSize, hw = geometry.H * geometry.W, plane = geometry.Ho * geometry.Wo;
        // Partial slots read up to one vector past the last row: zero slack.
        var padded = PhasedImage.For(geometry, W);
        var slots = SlotsOf(geometry, padded);
        int mr = RowsFor(coutG);
        int mTiles = (coutG + mr - 1) / mr;
        var packed = PackWeights(w, geometry, mr, mTiles);
        int tiles = (slots.Count + 1) / 2;

        void Sample(int n, T[] image, int tileStart, int tileEnd, bool fill)
        {
            if (fill) padded.Fill(x, (long)n * geometry.Cin * hw, geometry, image);
            for (int gi = 0; gi < geometry.Groups; gi++)
            {
                long imageBase = (long)gi * cinG * padded.ChannelLength;
                long yBase = ((long)n * geometry.Cout + gi * coutG) * plane;
                for (int t = tileStart; t < tileEnd; t++)
                {
                    int s0 = 2 * t, s1 = Math.Min(2 * t + 1, slots.Count - 1);
                    int lanes1 = s1 == s0 ? 0 : slots.Lanes[s1];
                    for (int mt = 0; mt < mTiles; mt++)
                    {
                        int co0 = mt * mr;
                        int rows = Math.Min(mr, coutG - co0);
                        ref T ap = ref packed[((long)gi * mTiles + mt) * patch * mr];
                        ref T b = ref image[imageBase + slots.Image[s0]];
                        nint d1 = slots.Image[s1] - slots.Image[s0];
                        var tile = new Tile(yBase + (long)co0 * plane, plane, slots.Output[s0], slots.Output[s1], slots.Lanes[s0], lanes1,
                            gi * coutG + co0, rows);
                        if (mr == 6) Kernel6(patch, ref ap, ref b, d1, padded.Table, y, tile, epilogue);
                        else Kernel4(patch, ref ap, ref b, d1, padded.Table, y, tile, epilogue);
                    }
                }
            }
        }

        try
        {
            if (geometry.N >= Environment.ProcessorCount && Environment.ProcessorCount > 1)
            {
                CpuParallel.For(geometry.N, 1, (start, end) => WithImage(padded.Length, image =>
                {
                    for (int n = (int)start; n < end; n++) Sample(n, image, 0, tiles, fill: true);
                }));
            }
            else
            {
                // Few samples: one shared padded image, the tiles split over the cores.
                WithImage(padded.Length, image =>
                {
                    for (int n = 0; n < geometry.N; n++)
                    {
                        padded.Fill(x, (long)n * geometry.Cin * hw, geometry, image);
                        CpuParallel.For(tiles, 8, (start, end) => Sample(n, image, (int)start, (int)end, fill: false));
                    }
                });
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(packed);
        }
    }

    private static void WithImage(int length, Action<T[]> body)
    {
        var image = ArrayPool<T>.Shared.Rent(length);
        try { body(image); }
        finally { ArrayPool<T>.Shared.Return(image); }
    }

    // w (Cout, patch) -> per group and row tile a (patch, mr) panel; rows past Cout/G are zero. Rented: the caller returns it.
    private static T[] PackWeights(T[] w, ConvGeometry geometry, int mr, int mTiles)
    {
        int coutG = geometry.CoutPerGroup, patch = geometry.PatchSize, length = geometry.Groups * mTiles * patch * mr;
        var packed = ArrayPool<T>.Shared.Rent(length);
        packed.AsSpan(0, length).Clear();
        for (int gi = 0; gi < geometry.Groups; gi++)
            for (int mt = 0; mt < mTiles; mt++)
            {
                long dst = ((long)gi * mTiles + mt) * patch * mr;
                for (int r = 0; r < mr; r++)
                {
                    int co = mt * mr + r;
                    if (co >= coutG) continue;
                    long src = ((long)gi * coutG + co) * patch;
                    for (int p = 0; p < patch; p++) packed[dst + (long)p * mr + r] = w[src + p];
                }
            }
        return packed;
    }

    // Where a register tile lands: channel rows of y start at Y (stride Plane); slot 0 and 1 at Out0 / Out1 with
    // Lanes0 / Lanes1 live lanes (0: slot absent); epilogue channels Channel0 .. Channel0 + Rows.
    private readonly record struct Tile(long Y, int Plane, int Out0, int Out1, int Lanes0, int Lanes1, int Channel0, int Rows);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6(int k, ref T ap, ref T b, nint d1, int[] table, T[] y, in Tile tile, in ConvEpilogue<T> e)
    {
        Vector<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        ref int off = ref MemoryMarshal.GetArrayDataReference(table);
        for (int p = 0; p < k; p++)
        {
            ref T row = ref Unsafe.Add(ref b, Unsafe.Add(ref off, p));
            var b0 = Vector.LoadUnsafe(ref row);
            var b1 = Vector.LoadUnsafe(ref Unsafe.Add(ref row, d1));
            var a = new Vector<T>(ap);
            c00 = GemmKernel<T>.MulAdd(a, b0, c00); c01 = GemmKernel<T>.MulAdd(a, b1, c01);
            a = new Vector<T>(Unsafe.Add(ref ap, 1));
            c10 = GemmKernel<T>.MulAdd(a, b0, c10); c11 = GemmKernel<T>.MulAdd(a, b1, c11);
            a = new Vector<T>(Unsafe.Add(ref ap, 2));
            c20 = GemmKernel<T>.MulAdd(a, b0, c20); c21 = GemmKernel<T>.MulAdd(a, b1, c21);
            a = new Vector<T>(Unsafe.Add(ref ap, 3));
            c30 = GemmKernel<T>.MulAdd(a, b0, c30); c31 = GemmKernel<T>.MulAdd(a, b1, c31);
            a = new Vector<T>(Unsafe.Add(ref ap, 4));
            c40 = GemmKernel<T>.MulAdd(a, b0, c40); c41 = GemmKernel<T>.MulAdd(a, b1, c41);
            a = new Vector<T>(Unsafe.Add(ref ap, 5));
            c50 = GemmKernel<T>.MulAdd(a, b0, c50); c51 = GemmKernel<T>.MulAdd(a, b1, c51);
            ap = ref Unsafe.Add(ref ap, 6);
        }
        Store(y, tile, e, 0, c00, c01);
        if (tile.Rows > 1) Store(y, tile, e, 1, c10, c11);
        if (tile.Rows > 2) Store(y, tile, e, 2, c20, c21);
        if (tile.Rows > 3) Store(y, tile, e, 3, c30, c31);
        if (tile.Rows > 4) Store(y, tile, e, 4, c40, c41);
        if (tile.Rows > 5) Store(y, tile, e, 5, c50, c51);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel4(int k, ref T ap, ref T b, nint d1, int[] table, T[] y, in Tile tile, in ConvEpilogue<T> e)
    {
        Vector<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector<T> c30 = default, c31 = default;
        ref int off = ref MemoryMarshal.GetArrayDataReference(table);
        for (int p = 0; p < k; p++)
        {
            ref T row = ref Unsafe.Add(ref b, Unsafe.Add(ref off, p));
            var b0 = Vector.LoadUnsafe(ref row);
            var b1 = Vector.LoadUnsafe(ref Unsafe.Add(ref row, d1));
            var a = new Vector<T>(ap);
            c00 = GemmKernel<T>.MulAdd(a, b0, c00); c01 = GemmKernel<T>.MulAdd(a, b1, c01);
            a = new Vector<T>(Unsafe.Add(ref ap, 1));
            c10 = GemmKernel<T>.MulAdd(a, b0, c10); c11 = GemmKernel<T>.MulAdd(a, b1, c11);
            a = new Vector<T>(Unsafe.Add(ref ap, 2));
            c20 = GemmKernel<T>.MulAdd(a, b0, c20); c21 = GemmKernel<T>.MulAdd(a, b1, c21);
            a = new Vector<T>(Unsafe.Add(ref ap, 3));
            c30 = GemmKernel<T>.MulAdd(a, b0, c30); c31 = GemmKernel<T>.MulAdd(a, b1, c31);
            ap = ref Unsafe.Add(ref ap, 4);
        }
        Store(y, tile, e, 0, c00, c01);
        if (tile.Rows > 1) Store(y, tile, e, 1, c10, c11);
        if (tile.Rows > 2) Store(y, tile, e, 2, c20, c21);
        if (tile.Rows > 3) Store(y, tile, e, 3, c30, c31);
    }

    // Stores one channel row of a tile: v = act(sum * scale + shift + residual), full vectors directly, partial slots lane by lane.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(T[] y, in Tile tile, in ConvEpilogue<T> e, int r, Vector<T> s0, Vector<T> s1)
    {
        int co = tile.Channel0 + r;
        long rowBase = tile.Y + (long)r * tile.Plane;
        var va = e.Scale is null ? Vector<T>.One : new Vector<T>(e.Scale[co]);
        var vc = e.Shift is null ? Vector<T>.Zero : new Vector<T>(e.Shift[co]);
        StoreSlot(y, rowBase + tile.Out0, tile.Lanes0, GemmKernel<T>.MulAdd(s0, va, vc), e);
        if (tile.Lanes1 > 0) StoreSlot(y, rowBase + tile.Out1, tile.Lanes1, GemmKernel<T>.MulAdd(s1, va, vc), e);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreSlot(T[] y, long index, int lanes, Vector<T> v, in ConvEpilogue<T> e)
    {
        if (lanes == Vector<T>.Count)
        {
            if (e.Residual is not null) v += Vector.LoadUnsafe(ref e.Residual[index]);
            if (e.Relu) v = Vector.Max(v, Vector<T>.Zero);
            v.StoreUnsafe(ref y[index]);
            return;
        }
        for (int i = 0; i < lanes; i++)
        {
            T t = v[i];
            if (e.Residual is not null) t += e.Residual[index + i];
            if (e.Relu && t < T.Zero) t = T.Zero;
            y[index + i] = t;
        }
    }
}

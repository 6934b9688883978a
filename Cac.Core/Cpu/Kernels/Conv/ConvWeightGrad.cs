using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cac.Cpu.Kernels;

/// <summary>
/// Weight gradient of a convolution (any stride, padding, dilation and groups) read straight from the zero-padded
/// image of <see cref="PaddedImage"/> and from gy, with no im2col matrix and no padding columns. Per sample and group,
/// gwT (patch, Cout/G) += col (patch, Ho * Wo) @ gy^T (Ho * Wo, Cout/G), where col row r = (c, kh, kw) at output pixel
/// (oh, ow) is image[table[r] + oh * sh * Wp + ow * sw]. The register tile is six patch rows by two vectors of output
/// channels: the six col rows are read in place as broadcasts (any stride), gy is transposed once per sample into
/// (Ho * Wo, NR) panels. The reduction runs over output-row slices small enough that a slice of every panel stays in
/// L1 while the row tiles sweep it.
/// Each worker sums a contiguous slice of the batch into its own gwT; the workers' sums are added in worker order and
/// transposed into gw, so the result does not depend on scheduling.
/// <para>
/// GPU twin: none (a CPU algorithm; the GPU runs im2col + GEMM, Cac.Gpu/Kernels/Im2ColKernels.cs and GemmKernel.cs).
/// Reference: Cac.Core/Cpu/Reference/ConvReference.cs.
/// Checked against: Cac.Tests/Core/ConvWeightGradTests.cs.
/// </para>
/// </summary>
internal static class ConvWeightGrad<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int MR = GemmKernel<T>.MR;
    // Bytes of packed gy (all channel strips) that one output-row slice may span.
    private const int SliceBytes = 16 * 1024;
    private static int NR => GemmKernel<T>.NR;

    /// <summary>gw = dL/dw. x: (N, Cin, H, W), gy: (N, Cout, Ho, Wo), gw: (Cout, Cin/G, KH, KW), overwritten.</summary>
    public static void Compute(T[] x, T[] gy, T[] gw, ConvGeometry geometry)
    {
        int plane = geometry.Ho * geometry.Wo, hw = geometry.H * geometry.W;
        int coutG = geometry.CoutPerGroup, cinG = geometry.CinPerGroup, patch = geometry.PatchSize, gwLength = geometry.Cout * patch;
        if (geometry.N == 0 || plane == 0)
        {
            gw.AsSpan(0, gwLength).Clear();
            return;
        }
        var padded = PaddedImage.For(geometry);
        int nr = NR, strips = (coutG + nr - 1) / nr, tiles = (patch + MR - 1) / MR;
        int rowsPerSlice = Math.Max(1, SliceBytes / (strips * nr * Unsafe.SizeOf<T>()) / geometry.Wo);
        bool batchParallel = geometry.N >= Environment.ProcessorCount && Environment.ProcessorCount > 1;
        int workers = batchParallel ? Math.Min(Environment.ProcessorCount, geometry.N) : 1;
        var partials = new T[workers][];

        void Worker(int worker)
        {
            int start = (int)((long)geometry.N * worker / workers), end = (int)((long)geometry.N * (worker + 1) / workers);
            var gwT = partials[worker] = ArrayPool<T>.Shared.Rent(gwLength);
            gwT.AsSpan(0, gwLength).Clear();
            var image = ArrayPool<T>.Shared.Rent(padded.Length);
            var pack = ArrayPool<T>.Shared.Rent(strips * nr * plane);
            try
            {
                for (int n = start; n < end; n++)
                {
                    padded.Fill(x, (long)n * geometry.Cin * hw, geometry, image);
                    for (int gi = 0; gi < geometry.Groups; gi++)
                    {
                        Pack(gy, ((long)n * geometry.Cout + gi * coutG) * plane, coutG, plane, pack);
                        var sweep = new Sweep(image, (long)gi * cinG * padded.Plane, padded.Table, padded.Wp, pack, gwT,
                            (long)gi * patch * coutG, coutG, geometry, rowsPerSlice);
                        if (batchParallel) sweep.Run(0, tiles);
                        else CpuParallel.For(tiles, 1, (t0, t1) => sweep.Run((int)t0, (int)t1));
                    }
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(image);
                ArrayPool<T>.Shared.Return(pack);
            }
        }

        if (workers == 1) Worker(0);
        else CpuParallel.For(workers, 1, (start, end) =>
        {
            for (long worker = start; worker < end; worker++) Worker((int)worker);
        });

        // gwT (G, patch, Cout/G) summed over the workers in order -> gw (Cout, patch).
        for (int gi = 0; gi < geometry.Groups; gi++)
            for (int co = 0; co < coutG; co++)
                for (int r = 0; r < patch; r++)
                {
                    long src = (long)gi * patch * coutG + (long)r * coutG + co;
                    T sum = partials[0][src];
                    for (int worker = 1; worker < workers; worker++) sum += partials[worker][src];
                    gw[((long)gi * coutG + co) * patch + r] = sum;
                }
        foreach (var partial in partials) ArrayPool<T>.Shared.Return(partial);
    }

    // pack[s][p][j] = gy[s * NR + j, p] for one sample's group channels gy (coutG, plane) at gyOffset; channels past
    // coutG are zero. Panels (plane, NR) row-major; pixel blocks keep the source rows' reads in cache.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pack(T[] gy, long gyOffset, int coutG, int plane, T[] pack)
    {
        const int Block = 64;
        int nr = NR, strips = (coutG + nr - 1) / nr;
        ref T src0 = ref MemoryMarshal.GetArrayDataReference(gy);
        ref T dst0 = ref MemoryMarshal.GetArrayDataReference(pack);
        for (int s = 0; s < strips; s++)
        {
            ref T panel = ref Unsafe.Add(ref dst0, (nint)s * plane * nr);
            for (int p0 = 0; p0 < plane; p0 += Block)
            {
                int count = Math.Min(Block, plane - p0);
                for (int j = 0; j < nr; j++)
                {
                    int co = s * nr + j;
                    ref T dst = ref Unsafe.Add(ref panel, (nint)p0 * nr + j);
                    if (co >= coutG)
                    {
                        for (int p = 0; p < count; p++) Unsafe.Add(ref dst, (nint)p * nr) = T.Zero;
                        continue;
                    }
                    ref T src = ref Unsafe.Add(ref src0, (nint)(gyOffset + (long)co * plane + p0));
                    for (int p = 0; p < count; p++) Unsafe.Add(ref dst, (nint)p * nr) = Unsafe.Add(ref src, p);
                }
            }
        }
    }

    // One sample and group: gwT rows of the patch tiles [t0, t1) += col @ gy^T, slice by slice of output rows.
    private readonly record struct Sweep(T[] Image, long ImageBase, int[] Table, int Wp, T[] Pack, T[] GwT, long GwOffset, int CoutG,
        ConvGeometry Geometry, int RowsPerSlice)
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int t0, int t1)
        {
            int nr = NR, patch = Table.Length, coutG = CoutG, strips = (coutG + nr - 1) / nr;
            int ho = Geometry.Ho, wo = Geometry.Wo, plane = ho * wo;
            nint rowStep = (nint)Geometry.StrideH * Wp, colStep = Geometry.StrideW;
            Span<T> tile = stackalloc T[MR * nr];
            ref T tileRef = ref MemoryMarshal.GetReference(tile);
            ref T img = ref MemoryMarshal.GetArrayDataReference(Image);
            ref T pack = ref MemoryMarshal.GetArrayDataReference(Pack);
            ref T gwT = ref MemoryMarshal.GetArrayDataReference(GwT);
            var table = Table;
            for (int oh0 = 0; oh0 < ho; oh0 += RowsPerSlice)
            {
                int rows = Math.Min(RowsPerSlice, ho - oh0);
                long sliceImage = ImageBase + oh0 * rowStep;
                for (int t = t0; t < t1; t++)
                {
                    int i0 = t * MR, live = Math.Min(MR, patch - i0);
                    // Rows past the patch repeat the last one; their results are not stored.
                    ref T r0 = ref Unsafe.Add(ref img, (nint)(sliceImage + table[i0]));
                    ref T r1 = ref Unsafe.Add(ref img, (nint)(sliceImage + table[Math.Min(i0 + 1, patch - 1)]));
                    ref T r2 = ref Unsafe.Add(ref img, (nint)(sliceImage + table[Math.Min(i0 + 2, patch - 1)]));
                    ref T r3 = ref Unsafe.Add(ref img, (nint)(sliceImage + table[Math.Min(i0 + 3, patch - 1)]));
                    ref T r4 = ref Unsafe.Add(ref img, (nint)(sliceImage + table[Math.Min(i0 + 4, patch - 1)]));
                    ref T r5 = ref Unsafe.Add(ref img, (nint)(sliceImage + table[Math.Min(i0 + 5, patch - 1)]));
                    for (int s = 0; s < strips; s++)
                    {
                        ref T bp = ref Unsafe.Add(ref pack, ((nint)s * plane + (nint)oh0 * wo) * nr);
                        int cols = Math.Min(nr, coutG - s * nr);
                        long c = GwOffset + (long)i0 * coutG + s * nr;
                        if (cols == nr)
                        {
                            Kernel(rows, wo, rowStep, colStep, ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref bp, nr,
                                ref Unsafe.Add(ref gwT, (nint)c), coutG, live);
                        }
                        else
                        {
                            tile.Clear();
                            Kernel(rows, wo, rowStep, colStep, ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref bp, nr, ref tileRef, nr, live);
                            for (int i = 0; i < live; i++)
                                for (int j = 0; j < cols; j++) GwT[c + (long)i * coutG + j] += tile[i * nr + j];
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// C[0..live, 0..2W] += sum over (oh &lt; rows, ow &lt; wo) of r_i[oh * rowStep + ow * colStep] * B[oh * wo + ow, 0..2W]:
    /// six in-place A rows (broadcast) and a B operand of two vectors per row, rows ldb apart (the packed gy panel here,
    /// ldb = NR; the transposed input transform in <see cref="ConvWinograd{T}"/>); c row-major with leading dimension ldc.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Kernel(int rows, int wo, nint rowStep, nint colStep, ref T r0, ref T r1, ref T r2, ref T r3, ref T r4, ref T r5,
        ref T bp, nint ldb, ref T c, nint ldc, int live)
    {
        int w = Vector<T>.Count;
        Vector<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        nint rowBase = 0;
        for (int oh = 0; oh < rows; oh++, rowBase += rowStep)
        {
            nint i = rowBase;
            for (int ow = 0; ow < wo; ow++, i += colStep)
            {
                var b0 = Vector.LoadUnsafe(ref bp);
                var b1 = Vector.LoadUnsafe(ref bp, (nuint)w);
                var a = new Vector<T>(Unsafe.Add(ref r0, i));
                c00 = GemmKernel<T>.MulAdd(a, b0, c00); c01 = GemmKernel<T>.MulAdd(a, b1, c01);
                a = new Vector<T>(Unsafe.Add(ref r1, i));
                c10 = GemmKernel<T>.MulAdd(a, b0, c10); c11 = GemmKernel<T>.MulAdd(a, b1, c11);
                a = new Vector<T>(Unsafe.Add(ref r2, i));
                c20 = GemmKernel<T>.MulAdd(a, b0, c20); c21 = GemmKernel<T>.MulAdd(a, b1, c21);
                a = new Vector<T>(Unsafe.Add(ref r3, i));
                c30 = GemmKernel<T>.MulAdd(a, b0, c30); c31 = GemmKernel<T>.MulAdd(a, b1, c31);
                a = new Vector<T>(Unsafe.Add(ref r4, i));
                c40 = GemmKernel<T>.MulAdd(a, b0, c40); c41 = GemmKernel<T>.MulAdd(a, b1, c41);
                a = new Vector<T>(Unsafe.Add(ref r5, i));
                c50 = GemmKernel<T>.MulAdd(a, b0, c50); c51 = GemmKernel<T>.MulAdd(a, b1, c51);
                bp = ref Unsafe.Add(ref bp, ldb);
            }
        }
        Add(ref c, w, c00, c01);
        if (live > 1) Add(ref Unsafe.Add(ref c, ldc), w, c10, c11);
        if (live > 2) Add(ref Unsafe.Add(ref c, 2 * ldc), w, c20, c21);
        if (live > 3) Add(ref Unsafe.Add(ref c, 3 * ldc), w, c30, c31);
        if (live > 4) Add(ref Unsafe.Add(ref c, 4 * ldc), w, c40, c41);
        if (live > 5) Add(ref Unsafe.Add(ref c, 5 * ldc), w, c50, c51);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(ref T row, int w, Vector<T> s0, Vector<T> s1)
    {
        (Vector.LoadUnsafe(ref row) + s0).StoreUnsafe(ref row);
        (Vector.LoadUnsafe(ref row, (nuint)w) + s1).StoreUnsafe(ref row, (nuint)w);
    }
}

using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cac.Cpu.Kernels;

/// <summary>
/// A read view of a matrix in an array: element (i, j) is Data[Offset + RowOffset(i) + ColOffset(j)], where
/// RowOffset(i) = i * RowStride unless a row table gives each row's offset (likewise columns). Tables let a
/// GEMM operand be an implicit im2col matrix whose rows are shifted slices of one padded image.
/// </summary>
internal readonly record struct StridedMatrix<T>(T[] Data, long Offset, long RowStride, long ColStride)
{
    /// <summary>When set, row i starts at Offset + RowTable[RowStart + i] (RowStride is unused).</summary>
    public int[]? RowTable { get; init; }

    /// <summary>First entry of <see cref="RowTable"/> that belongs to this view.</summary>
    public int RowStart { get; init; }

    /// <summary>When set, column j starts at Offset + ColTable[ColStart + j] (ColStride is unused).</summary>
    public int[]? ColTable { get; init; }

    /// <summary>First entry of <see cref="ColTable"/> that belongs to this view.</summary>
    public int ColStart { get; init; }

    /// <summary>Offset of row i relative to <see cref="Offset"/>.</summary>
    public long RowOffset(int i) => RowTable is null ? i * RowStride : RowTable[RowStart + i];

    /// <summary>Offset of column j relative to <see cref="Offset"/>.</summary>
    public long ColOffset(int j) => ColTable is null ? j * ColStride : ColTable[ColStart + j];

    /// <summary>The same matrix starting at (row, col).</summary>
    public StridedMatrix<T> At(int row, int col) => this with
    {
        Offset = Offset + (RowTable is null ? row * RowStride : 0) + (ColTable is null ? col * ColStride : 0),
        RowStart = RowStart + (RowTable is null ? 0 : row),
        ColStart = ColStart + (ColTable is null ? 0 : col),
    };

    /// <summary>Smallest and largest element index touched by the (rows, cols) view.</summary>
    public (long Min, long Max) Extent(int rows, int cols)
    {
        var (rMin, rMax) = RowTable is null ? StrideSpan(rows, RowStride) : TableSpan(RowTable, RowStart, rows);
        var (cMin, cMax) = ColTable is null ? StrideSpan(cols, ColStride) : TableSpan(ColTable, ColStart, cols);
        return (Offset + rMin + cMin, Offset + rMax + cMax);
    }

    private static (long, long) StrideSpan(int count, long stride) =>
        stride >= 0 ? (0, (count - 1) * stride) : ((count - 1) * stride, 0);

    private static (long, long) TableSpan(int[] table, int start, int count)
    {
        int min = int.MaxValue, max = int.MinValue;
        foreach (var e in table.AsSpan(start, count)) { min = Math.Min(min, e); max = Math.Max(max, e); }
        return (min, max);
    }
}

/// <summary>
/// Blocked, packed, multi-core GEMM in the BLIS style: C = alpha * A * B + beta * C, row-major C.
/// Loops: jc over NC-column slabs of B, pc over KC-deep slices (B slice packed into NR-column panels),
/// ic over MC-row blocks (A block packed into MR-row panels), then jr/ir over the register tiles of
/// <see cref="GemmKernel{T}"/>. Packing reads A and B through strides, so transposes cost nothing;
/// edges are zero-padded in the packs and written back through a small tile.
/// <para>
/// GPU twin: Cac.Gpu/Kernels/GemmKernel.cs (and GridStrideGemmKernel.cs).
/// Checked against: Cac.Tests/Core/GemmTests.cs, Cac.Tests/Core/MatMulGradTests.cs.
/// </para>
/// </summary>
internal static class CpuGemm<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int MR = GemmKernel<T>.MR;
    private const int KC = 256;
    private static int NR => GemmKernel<T>.NR;
    private static int MC => typeof(T) == typeof(float) ? 144 : 72;
    // The packed B slab (kc, nc) is sized to stay in the per-core L2 cache, where the micro-kernel streams it from.
    private const int PackedBBytes = 192 * 1024;
    private static int NC(int kc) => Math.Max(NR, PackedBBytes / (kc * Unsafe.SizeOf<T>()) / NR * NR);

    // Below this many multiply-adds one core does the whole product.
    private const long ParallelThreshold = 1L << 18;

    [ThreadStatic] private static T[]? _packA;
    [ThreadStatic] private static T[]? _packB;

    /// <summary>
    /// Row-major C (m, n) = alpha * op(A) * op(B) + beta * C; A stored (m, k) or (k, m) when transA,
    /// B stored (k, n) or (n, k) when transB. beta == 0 ignores C's old contents (NaN included).
    /// <paramref name="parallel"/> allows splitting the product over the cores.
    /// </summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, T alpha,
        T[] a, long aOffset, T[] b, long bOffset, T beta, T[] c, long cOffset, bool parallel)
    {
        var am = transA ? new StridedMatrix<T>(a, aOffset, 1, m) : new StridedMatrix<T>(a, aOffset, k, 1);
        var bm = transB ? new StridedMatrix<T>(b, bOffset, 1, k) : new StridedMatrix<T>(b, bOffset, n, 1);
        Multiply(m, n, k, alpha, am, bm, beta, c, cOffset, n, parallel);
    }

    /// <summary>C (m, n), leading dimension ldc, = alpha * A (m, k) * B (k, n) + beta * C, with strided A and B.</summary>
    public static void Multiply(int m, int n, int k, T alpha, StridedMatrix<T> a, StridedMatrix<T> b,
        T beta, T[] c, long cOffset, long ldc, bool parallel)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"gemm: negative size (m {m}, n {n}, k {k})");
        if (m == 0 || n == 0) return;
        CheckRange(c, cOffset, m, n, ldc, 1, "C");
        if (k == 0 || alpha == T.Zero)
        {
            ScaleC(m, n, beta, c, cOffset, ldc);
            return;
        }
        CheckRange(a, m, k, "A");
        CheckRange(b, k, n, "B");

        int workers = Environment.ProcessorCount;
        if (!parallel || workers == 1 || (long)m * n * k < ParallelThreshold)
        {
            Serial(m, n, k, alpha, a, b, beta, c, cOffset, ldc);
            return;
        }
        // Split the larger side of C into one slab per worker, in whole register tiles.
        int mTiles = (m + MR - 1) / MR, nTiles = (n + NR - 1) / NR;
        bool splitN = nTiles >= mTiles;
        int tiles = splitN ? nTiles : mTiles;
        int unit = splitN ? NR : MR;
        int extent = splitN ? n : m;
        int parts = Math.Min(workers, tiles);
        CpuParallel.For(parts, 1, (start, end) =>
        {
            for (long part = start; part < end; part++)
            {
                int lo = (int)Math.Min(extent, tiles * part / parts * unit);
                int hi = (int)Math.Min(extent, tiles * (part + 1) / parts * unit);
                if (hi <= lo) continue;
                if (splitN) Serial(m, hi - lo, k, alpha, a, b.At(0, lo), beta, c, cOffset + lo, ldc);
                else Serial(hi - lo, n, k, alpha, a.At(lo, 0), b, beta, c, cOffset + lo * ldc, ldc);
            }
        });
    }

    private static void CheckRange(T[] data, long offset, long rows, long cols, long rs, long cs, string name) =>
        CheckRange(new StridedMatrix<T>(data, offset, rs, cs), (int)rows, (int)cols, name);

    private static void CheckRange(StridedMatrix<T> a, int rows, int cols, string name)
    {
        var (min, max) = a.Extent(rows, cols);
        if (min < 0 || max >= a.Data.LongLength)
            throw new ArgumentException($"gemm: matrix {name} ({rows}, {cols}) at offset {a.Offset} does not fit its buffer of {a.Data.LongLength} elements");
    }

    private static void ScaleC(int m, int n, T beta, T[] c, long cOffset, long ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var row = c.AsSpan((int)(cOffset + i * ldc), n);
            if (beta == T.Zero) row.Clear();
            else if (beta != T.One)
                for (int j = 0; j < row.Length; j++) row[j] *= beta;
        }
    }

    // Splits extent into the fewest blocks of at most max, evenly sized (rounded up to a multiple of unit).
    private static int BlockSize(int extent, int max, int unit)
    {
        int blocks = (extent + max - 1) / max;
        int size = (extent + blocks - 1) / blocks;
        return Math.Min(max, (size + unit - 1) / unit * unit);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Serial(int m, int n, int k, T alpha, StridedMatrix<T> a, StridedMatrix<T> b,
        T beta, T[] c, long cOffset, long ldc)
    {
        int nr = NR;
        int kcMax = BlockSize(k, KC, 1);
        int mcMax = BlockSize(m, MC, MR);
        int ncMax = BlockSize(n, NC(kcMax), nr);
        var packA = Buffer(ref _packA, mcMax * kcMax);
        var packB = Buffer(ref _packB, ncMax * kcMax);
        Span<T> tile = stackalloc T[MR * nr];
        ref T tileRef = ref MemoryMarshal.GetReference(tile);

        // B rows contiguous (plain or through a row table): the kernel reads full NR-column strips of B in
        // place, by row offsets, instead of packing them; only the last partial strip is packed.
        // Skipped for large m (packing amortises) and for plain strides that are multiples of 256 bytes,
        // whose rows would alias to a few L1 sets.
        bool directB = b.ColTable is null && b.ColStride == 1 && m <= DirectBMaxRows
            && (b.RowTable is not null || b.RowStride * Unsafe.SizeOf<T>() % 256 != 0);
        var rowOffsets = directB ? IntBuffer(ref _rowOffsets, kcMax) : [];
        ref int offsetsRef = ref MemoryMarshal.GetArrayDataReference(rowOffsets);

        for (int jc = 0; jc < n; jc += ncMax)
        {
            int nc = Math.Min(ncMax, n - jc);
            for (int pc = 0; pc < k; pc += kcMax)
            {
                int kc = Math.Min(kcMax, k - pc);
                var bBlock = b.At(pc, jc);
                if (directB)
                {
                    for (int p = 0; p < kc; p++) rowOffsets[p] = checked((int)bBlock.RowOffset(p));
                    if (nc % nr != 0) PackB(bBlock.At(0, nc / nr * nr), kc, nc % nr, packB);
                }
                else
                {
                    PackB(bBlock, kc, nc, packB);
                }
                // The first slice applies the caller's beta; later slices accumulate.
                bool overwrite = pc == 0 && beta == T.Zero;
                T betaNow = pc == 0 ? beta : T.One;
                for (int ic = 0; ic < m; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, m - ic);
                    PackA(a.At(ic, pc), mc, kc, packA);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int nTile = Math.Min(nr, nc - jr);
                        bool direct = directB && nTile == nr;
                        ref T bp = ref direct ? ref b.Data[bBlock.Offset + jr] : ref packB[directB ? 0 : jr * kc];
                        for (int ir = 0; ir < mc; ir += MR)
                        {
                            int mTile = Math.Min(MR, mc - ir);
                            ref T ap = ref packA[ir * kc];
                            long cIndex = cOffset + (ic + ir) * ldc + jc + jr;
                            if (nTile == nr)
                            {
                                GemmKernel<T>.Run(kc, ref ap, ref bp, direct, ref offsetsRef, ref c[cIndex], (nint)ldc, mTile, alpha, betaNow, overwrite);
                            }
                            else
                            {
                                GemmKernel<T>.Run(kc, ref ap, ref bp, false, ref offsetsRef, ref tileRef, nr, MR, T.One, T.Zero, true);
                                StoreEdge(tile, nr, mTile, nTile, alpha, betaNow, overwrite, c, cIndex, ldc);
                            }
                        }
                    }
                }
            }
        }
    }

    [ThreadStatic] private static int[]? _rowOffsets;

    private const int DirectBMaxRows = 72;

    private static int[] IntBuffer(ref int[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length) buffer = new int[length];
        return buffer;
    }

    private static T[] Buffer(ref T[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length) buffer = GC.AllocateUninitializedArray<T>(length);
        return buffer;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreEdge(Span<T> tile, int nr, int rows, int cols, T alpha, T beta, bool overwrite, T[] c, long cIndex, long ldc)
    {
        for (int i = 0; i < rows; i++)
        {
            var dst = c.AsSpan((int)(cIndex + i * ldc), cols);
            var src = tile.Slice(i * nr, cols);
            if (overwrite)
                for (int j = 0; j < cols; j++) dst[j] = alpha * src[j];
            else
                for (int j = 0; j < cols; j++) dst[j] = alpha * src[j] + beta * dst[j];
        }
    }

    // Packs A (mc, kc) into ceil(mc / MR) panels, each (kc, MR) row-major; rows past mc are zero.
    // Bounds were checked once for the whole matrix (CheckRange), so the loops index through refs.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(StridedMatrix<T> a, int mc, int kc, T[] pack)
    {
        ref T src = ref MemoryMarshal.GetArrayDataReference(a.Data);
        ref T dst0 = ref MemoryMarshal.GetArrayDataReference(pack);
        nint rs = (nint)a.RowStride, cs = (nint)a.ColStride;
        for (int ir = 0; ir < mc; ir += MR)
        {
            int rows = Math.Min(MR, mc - ir);
            ref T dst = ref Unsafe.Add(ref dst0, ir * kc);
            if (a.RowTable is not null || a.ColTable is not null)
            {
                PackGeneral(a.At(ir, 0), rows, kc, MR, ref dst, rowsAreTile: true);
                continue;
            }
            ref T s = ref Unsafe.Add(ref src, (nint)a.Offset + ir * rs);
            if (rows == MR && cs == 1)
            {
                // Rows contiguous along k (A not transposed): six sequential streams.
                ref T r0 = ref s;
                ref T r1 = ref Unsafe.Add(ref s, rs);
                ref T r2 = ref Unsafe.Add(ref s, 2 * rs);
                ref T r3 = ref Unsafe.Add(ref s, 3 * rs);
                ref T r4 = ref Unsafe.Add(ref s, 4 * rs);
                ref T r5 = ref Unsafe.Add(ref s, 5 * rs);
                for (int p = 0; p < kc; p++)
                {
                    ref T d = ref Unsafe.Add(ref dst, p * MR);
                    d = Unsafe.Add(ref r0, p);
                    Unsafe.Add(ref d, 1) = Unsafe.Add(ref r1, p);
                    Unsafe.Add(ref d, 2) = Unsafe.Add(ref r2, p);
                    Unsafe.Add(ref d, 3) = Unsafe.Add(ref r3, p);
                    Unsafe.Add(ref d, 4) = Unsafe.Add(ref r4, p);
                    Unsafe.Add(ref d, 5) = Unsafe.Add(ref r5, p);
                }
            }
            else
            {
                // General strides (A transposed has rs == 1: each step reads consecutive elements).
                for (int p = 0; p < kc; p++)
                {
                    ref T d = ref Unsafe.Add(ref dst, p * MR);
                    ref T sp = ref Unsafe.Add(ref s, p * cs);
                    int r = 0;
                    for (; r < rows; r++) Unsafe.Add(ref d, r) = Unsafe.Add(ref sp, r * rs);
                    for (; r < MR; r++) Unsafe.Add(ref d, r) = T.Zero;
                }
            }
        }
    }

    // Packs B (kc, nc) into ceil(nc / NR) panels, each (kc, NR) row-major; columns past nc are zero.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(StridedMatrix<T> b, int kc, int nc, T[] pack)
    {
        int nr = NR, w = Vector<T>.Count;
        ref T src = ref MemoryMarshal.GetArrayDataReference(b.Data);
        ref T dst0 = ref MemoryMarshal.GetArrayDataReference(pack);
        nint rs = (nint)b.RowStride, cs = (nint)b.ColStride;
        bool rowsContiguous = cs == 1 && b.ColTable is null;
        bool colsContiguous = rs == 1 && b.RowTable is null;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            ref T dst = ref Unsafe.Add(ref dst0, jr * kc);
            if (cols == nr && rowsContiguous)
            {
                // B rows contiguous (each row may start anywhere, through a row table): two vectors per step.
                ref T s = ref Unsafe.Add(ref src, (nint)b.Offset + jr);
                for (int p = 0; p < kc; p++)
                {
                    ref T sp = ref Unsafe.Add(ref s, (nint)b.RowOffset(p));
                    ref T d = ref Unsafe.Add(ref dst, p * nr);
                    Vector.LoadUnsafe(ref sp).StoreUnsafe(ref d);
                    Vector.LoadUnsafe(ref sp, (nuint)w).StoreUnsafe(ref d, (nuint)w);
                }
            }
            else if (cols == nr && colsContiguous)
            {
                // B stored transposed (columns contiguous along k): four sequential streams at a time.
                ref T s = ref Unsafe.Add(ref src, (nint)b.Offset);
                for (int j = 0; j < nr; j += 4)
                {
                    ref T c0 = ref Unsafe.Add(ref s, (nint)b.ColOffset(jr + j));
                    ref T c1 = ref Unsafe.Add(ref s, (nint)b.ColOffset(jr + j + 1));
                    ref T c2 = ref Unsafe.Add(ref s, (nint)b.ColOffset(jr + j + 2));
                    ref T c3 = ref Unsafe.Add(ref s, (nint)b.ColOffset(jr + j + 3));
                    ref T d = ref Unsafe.Add(ref dst, j);
                    for (int p = 0; p < kc; p++)
                    {
                        ref T dp = ref Unsafe.Add(ref d, p * nr);
                        dp = Unsafe.Add(ref c0, p);
                        Unsafe.Add(ref dp, 1) = Unsafe.Add(ref c1, p);
                        Unsafe.Add(ref dp, 2) = Unsafe.Add(ref c2, p);
                        Unsafe.Add(ref dp, 3) = Unsafe.Add(ref c3, p);
                    }
                }
            }
            else
            {
                PackGeneral(b.At(0, jr), cols, kc, nr, ref dst, rowsAreTile: false);
            }
        }
    }

    // Element-by-element packing of one panel for any view: the panel is (kc, width) row-major with
    // `count` live lanes (tile rows of A when rowsAreTile, else tile columns of B) and zeros after them.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackGeneral(StridedMatrix<T> m, int count, int kc, int width, ref T dst, bool rowsAreTile)
    {
        ref T src = ref MemoryMarshal.GetArrayDataReference(m.Data);
        for (int p = 0; p < kc; p++)
        {
            ref T d = ref Unsafe.Add(ref dst, p * width);
            int lane = 0;
            for (; lane < count; lane++)
            {
                long index = m.Offset + (rowsAreTile ? m.RowOffset(lane) + m.ColOffset(p) : m.RowOffset(p) + m.ColOffset(lane));
                Unsafe.Add(ref d, lane) = Unsafe.Add(ref src, (nint)index);
            }
            for (; lane < width; lane++) Unsafe.Add(ref d, lane) = T.Zero;
        }
    }
}

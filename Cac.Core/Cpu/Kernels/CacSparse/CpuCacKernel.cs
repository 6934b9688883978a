using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cac.Cpu.Kernels;

/// <summary>
/// The register micro-kernel of the sparse CAC path: a gathered-operand GEMM tile. For MR = 6 rows i and NR = 2
/// vectors of lanes, C[i, 0..NR) (+)= sum over s &lt; steps of src[step[s] + row_i] * panel[s, 0..NR). The gathered
/// operand is read straight from its source (a zero-bordered image, or an output gradient) through two offset
/// lists, one per step and one per row, as scalar broadcasts, the way a packed GEMM reads its A panel: no
/// im2col columns are ever built. The forward pass uses rows = positions, steps = (c, kh, kw) taps and
/// panel = W^T; the weight gradient swaps the roles (rows = taps, steps = positions, panel = gathered gy^T).
/// </summary>
internal static class CpuCacKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Rows of the register tile.</summary>
    public const int MR = 6;

    /// <summary>Lanes of the register tile: two vectors.</summary>
    public static int NR => 2 * Vector<T>.Count;

    /// <summary>
    /// C[i, 0..NR) = (C[i, ..] when accumulate, else 0) + sum_s src[step[s] + row_i] * panel[s * NR ..], for i &lt; rows
    /// (rows past <paramref name="rows"/> are computed from r0..r5 but not stored). Row i of C starts at
    /// c + cRows[i], so a tile can be stored straight into scattered rows. Callers guarantee every index is in range.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int steps, ref T src, ref int step, nint r0, nint r1, nint r2, nint r3, nint r4, nint r5,
        ref T panel, ref T c, ref int cRows, int rows, bool accumulate)
    {
        int w = Vector<T>.Count;
        Vector<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int s = 0; s < steps; s++)
        {
            ref T at = ref Unsafe.Add(ref src, Unsafe.Add(ref step, s));
            var b0 = Vector.LoadUnsafe(ref panel);
            var b1 = Vector.LoadUnsafe(ref panel, (nuint)w);
            var a = new Vector<T>(Unsafe.Add(ref at, r0));
            c00 = GemmKernel<T>.MulAdd(a, b0, c00); c01 = GemmKernel<T>.MulAdd(a, b1, c01);
            a = new Vector<T>(Unsafe.Add(ref at, r1));
            c10 = GemmKernel<T>.MulAdd(a, b0, c10); c11 = GemmKernel<T>.MulAdd(a, b1, c11);
            a = new Vector<T>(Unsafe.Add(ref at, r2));
            c20 = GemmKernel<T>.MulAdd(a, b0, c20); c21 = GemmKernel<T>.MulAdd(a, b1, c21);
            a = new Vector<T>(Unsafe.Add(ref at, r3));
            c30 = GemmKernel<T>.MulAdd(a, b0, c30); c31 = GemmKernel<T>.MulAdd(a, b1, c31);
            a = new Vector<T>(Unsafe.Add(ref at, r4));
            c40 = GemmKernel<T>.MulAdd(a, b0, c40); c41 = GemmKernel<T>.MulAdd(a, b1, c41);
            a = new Vector<T>(Unsafe.Add(ref at, r5));
            c50 = GemmKernel<T>.MulAdd(a, b0, c50); c51 = GemmKernel<T>.MulAdd(a, b1, c51);
            panel = ref Unsafe.Add(ref panel, 2 * w);
        }
        Store(ref Unsafe.Add(ref c, cRows), w, c00, c01, accumulate);
        if (rows > 1) Store(ref Unsafe.Add(ref c, Unsafe.Add(ref cRows, 1)), w, c10, c11, accumulate);
        if (rows > 2) Store(ref Unsafe.Add(ref c, Unsafe.Add(ref cRows, 2)), w, c20, c21, accumulate);
        if (rows > 3) Store(ref Unsafe.Add(ref c, Unsafe.Add(ref cRows, 3)), w, c30, c31, accumulate);
        if (rows > 4) Store(ref Unsafe.Add(ref c, Unsafe.Add(ref cRows, 4)), w, c40, c41, accumulate);
        if (rows > 5) Store(ref Unsafe.Add(ref c, Unsafe.Add(ref cRows, 5)), w, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref T row, int w, Vector<T> s0, Vector<T> s1, bool accumulate)
    {
        if (accumulate)
        {
            s0 += Vector.LoadUnsafe(ref row);
            s1 += Vector.LoadUnsafe(ref row, (nuint)w);
        }
        s0.StoreUnsafe(ref row);
        s1.StoreUnsafe(ref row, (nuint)w);
    }

    /// <summary>
    /// Runs the kernel over every MR-row tile of a row list: C[t, lanes] for t &lt; count, with row offsets
    /// rows[t]; C row-major (count rounded up to MR, ldc). A short last tile repeats its last offset.
    /// </summary>
    public static void Rows(int steps, ref T src, ref int step, ReadOnlySpan<int> rows, ref T panel, ref T c, int ldc, bool accumulate)
    {
        int count = rows.Length;
        Span<int> cRows = stackalloc int[MR];
        for (int i = 0; i < MR; i++) cRows[i] = i * ldc;
        for (int t = 0; t < count; t += MR)
        {
            int live = Math.Min(MR, count - t), last = t + live - 1;
            Run(steps, ref src, ref step, rows[t], rows[Math.Min(t + 1, last)], rows[Math.Min(t + 2, last)],
                rows[Math.Min(t + 3, last)], rows[Math.Min(t + 4, last)], rows[Math.Min(t + 5, last)],
                ref panel, ref Unsafe.Add(ref c, t * ldc), ref cRows[0], live, accumulate);
        }
    }

    /// <summary>
    /// Packs a matrix m[step, lane] = m[offset + step * stepStride + lane * laneStride] into panels of NR lanes:
    /// panel j (steps, NR) holds m[s, j*NR + l] at dst[dstOffset + (j * steps + s) * NR + l]; lanes past
    /// <paramref name="lanes"/> are zero.
    /// </summary>
    public static void Pack(T[] m, long offset, long stepStride, long laneStride, int steps, int lanes, T[] dst, int dstOffset)
    {
        int nr = NR, tiles = (lanes + nr - 1) / nr;
        var d = dst.AsSpan(dstOffset, tiles * steps * nr);
        for (int j = 0; j < tiles; j++)
            for (int s = 0; s < steps; s++)
                for (int l = 0; l < nr; l++)
                {
                    int lane = j * nr + l;
                    d[(j * steps + s) * nr + l] = lane < lanes ? m[offset + s * stepStride + lane * laneStride] : T.Zero;
                }
    }

    /// <summary>Row offsets of an MR x NR tile stored densely (row i at i * NR).</summary>
    public static readonly int[] TileRows = [.. Enumerable.Range(0, MR).Select(i => i * NR)];

    /// <summary>Elements of the packed panels of <see cref="Pack"/>.</summary>
    public static int PackedLength(int steps, int lanes) => (lanes + NR - 1) / NR * NR * steps;

    /// <summary>A reference to element 0 of an array (for the kernels' ref parameters).</summary>
    public static ref TE At<TE>(TE[] a, int index) => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(a), index);
}

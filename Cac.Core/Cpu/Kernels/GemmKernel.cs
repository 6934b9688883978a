using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Cac.Cpu.Kernels;

/// <summary>
/// The GEMM register micro-kernel: an MR x NR tile of C (MR = 6 rows, NR = 2 vectors) held in twelve
/// Vector&lt;T&gt; accumulators while it walks kc steps of a packed A panel (kc, MR) and a packed B panel (kc, NR).
/// <para>
/// GPU twin: Cac.Gpu/Kernels/GemmKernel.cs (its per-thread register tile).
/// Checked against: Cac.Tests/Core/GemmTests.cs.
/// </para>
/// </summary>
internal static class GemmKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Rows of the register tile.</summary>
    public const int MR = 6;

    /// <summary>Columns of the register tile: two vectors.</summary>
    public static int NR => 2 * Vector<T>.Count;

    /// <summary>c + a * b, fused where the hardware can (also used by the sparse CAC kernel).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<T> MulAdd(Vector<T> a, Vector<T> b, Vector<T> c)
    {
        // JIT-time constants: the untaken branches vanish.
        if (Fma.IsSupported || AdvSimd.IsSupported)
        {
            if (typeof(T) == typeof(float))
                return Vector.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
            if (typeof(T) == typeof(double))
                return Vector.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
        }
        return a * b + c;
    }

    /// <summary>
    /// C[0..rows, 0..NR] = alpha * Ap * Bp + beta * C (C's old values ignored when <paramref name="overwrite"/>).
    /// ap: packed (kc, MR); c: row-major with leading dimension ldc; rows (1..MR) limits the rows written.
    /// B is read from a packed panel (kc, NR) at <paramref name="b"/> when <paramref name="direct"/> is false;
    /// when true, row p of the strip is the NR contiguous elements at b + rowOffsets[p] (unpacked B).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, ref T ap, ref T b, bool direct, ref int rowOffsets, ref T c, nint ldc, int rows, T alpha, T beta, bool overwrite)
    {
        int w = Vector<T>.Count;
        int nr = 2 * w;
        Vector<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        if (direct)
        {
            for (int p = 0; p < kc; p++)
            {
                ref T row = ref Unsafe.Add(ref b, Unsafe.Add(ref rowOffsets, p));
                var b0 = Vector.LoadUnsafe(ref row);
                var b1 = Vector.LoadUnsafe(ref row, (nuint)w);
                var a = new Vector<T>(ap);
                c00 = MulAdd(a, b0, c00); c01 = MulAdd(a, b1, c01);
                a = new Vector<T>(Unsafe.Add(ref ap, 1));
                c10 = MulAdd(a, b0, c10); c11 = MulAdd(a, b1, c11);
                a = new Vector<T>(Unsafe.Add(ref ap, 2));
                c20 = MulAdd(a, b0, c20); c21 = MulAdd(a, b1, c21);
                a = new Vector<T>(Unsafe.Add(ref ap, 3));
                c30 = MulAdd(a, b0, c30); c31 = MulAdd(a, b1, c31);
                a = new Vector<T>(Unsafe.Add(ref ap, 4));
                c40 = MulAdd(a, b0, c40); c41 = MulAdd(a, b1, c41);
                a = new Vector<T>(Unsafe.Add(ref ap, 5));
                c50 = MulAdd(a, b0, c50); c51 = MulAdd(a, b1, c51);
                ap = ref Unsafe.Add(ref ap, MR);
            }
        }
        else
        {
            for (int p = 0; p < kc; p++)
            {
                var b0 = Vector.LoadUnsafe(ref b);
                var b1 = Vector.LoadUnsafe(ref b, (nuint)w);
                var a = new Vector<T>(ap);
                c00 = MulAdd(a, b0, c00); c01 = MulAdd(a, b1, c01);
                a = new Vector<T>(Unsafe.Add(ref ap, 1));
                c10 = MulAdd(a, b0, c10); c11 = MulAdd(a, b1, c11);
                a = new Vector<T>(Unsafe.Add(ref ap, 2));
                c20 = MulAdd(a, b0, c20); c21 = MulAdd(a, b1, c21);
                a = new Vector<T>(Unsafe.Add(ref ap, 3));
                c30 = MulAdd(a, b0, c30); c31 = MulAdd(a, b1, c31);
                a = new Vector<T>(Unsafe.Add(ref ap, 4));
                c40 = MulAdd(a, b0, c40); c41 = MulAdd(a, b1, c41);
                a = new Vector<T>(Unsafe.Add(ref ap, 5));
                c50 = MulAdd(a, b0, c50); c51 = MulAdd(a, b1, c51);
                ap = ref Unsafe.Add(ref ap, MR);
                b = ref Unsafe.Add(ref b, nr);
            }
        }
        var va = new Vector<T>(alpha);
        var vb = new Vector<T>(beta);
        Store(ref c, w, c00, c01, va, vb, overwrite);
        if (rows > 1) Store(ref Unsafe.Add(ref c, ldc), w, c10, c11, va, vb, overwrite);
        if (rows > 2) Store(ref Unsafe.Add(ref c, 2 * ldc), w, c20, c21, va, vb, overwrite);
        if (rows > 3) Store(ref Unsafe.Add(ref c, 3 * ldc), w, c30, c31, va, vb, overwrite);
        if (rows > 4) Store(ref Unsafe.Add(ref c, 4 * ldc), w, c40, c41, va, vb, overwrite);
        if (rows > 5) Store(ref Unsafe.Add(ref c, 5 * ldc), w, c50, c51, va, vb, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref T row, int w, Vector<T> s0, Vector<T> s1, Vector<T> alpha, Vector<T> beta, bool overwrite)
    {
        if (overwrite)
        {
            (s0 * alpha).StoreUnsafe(ref row);
            (s1 * alpha).StoreUnsafe(ref row, (nuint)w);
        }
        else
        {
            MulAdd(s0, alpha, Vector.LoadUnsafe(ref row) * beta).StoreUnsafe(ref row);
            MulAdd(s1, alpha, Vector.LoadUnsafe(ref row, (nuint)w) * beta).StoreUnsafe(ref row, (nuint)w);
        }
    }

    /// <summary>
    /// C[0..rows, 0..NR] += A * Bp where row i of A (1 x kc) is read in place at r_i (contiguous along k) and Bp is a
    /// packed (kc, NR) panel; c: row-major with leading dimension ldc.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunRowsA(int kc, ref T r0, ref T r1, ref T r2, ref T r3, ref T r4, ref T r5, ref T b, ref T c, nint ldc, int rows)
    {
        int w = Vector<T>.Count;
        int nr = 2 * w;
        Vector<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (nint p = 0; p < kc; p++)
        {
            var b0 = Vector.LoadUnsafe(ref b);
            var b1 = Vector.LoadUnsafe(ref b, (nuint)w);
            var a = new Vector<T>(Unsafe.Add(ref r0, p));
            c00 = MulAdd(a, b0, c00); c01 = MulAdd(a, b1, c01);
            a = new Vector<T>(Unsafe.Add(ref r1, p));
            c10 = MulAdd(a, b0, c10); c11 = MulAdd(a, b1, c11);
            a = new Vector<T>(Unsafe.Add(ref r2, p));
            c20 = MulAdd(a, b0, c20); c21 = MulAdd(a, b1, c21);
            a = new Vector<T>(Unsafe.Add(ref r3, p));
            c30 = MulAdd(a, b0, c30); c31 = MulAdd(a, b1, c31);
            a = new Vector<T>(Unsafe.Add(ref r4, p));
            c40 = MulAdd(a, b0, c40); c41 = MulAdd(a, b1, c41);
            a = new Vector<T>(Unsafe.Add(ref r5, p));
            c50 = MulAdd(a, b0, c50); c51 = MulAdd(a, b1, c51);
            b = ref Unsafe.Add(ref b, nr);
        }
        var one = Vector<T>.One;
        Store(ref c, w, c00, c01, one, one, false);
        if (rows > 1) Store(ref Unsafe.Add(ref c, ldc), w, c10, c11, one, one, false);
        if (rows > 2) Store(ref Unsafe.Add(ref c, 2 * ldc), w, c20, c21, one, one, false);
        if (rows > 3) Store(ref Unsafe.Add(ref c, 3 * ldc), w, c30, c31, one, one, false);
        if (rows > 4) Store(ref Unsafe.Add(ref c, 4 * ldc), w, c40, c41, one, one, false);
        if (rows > 5) Store(ref Unsafe.Add(ref c, 5 * ldc), w, c50, c51, one, one, false);
    }
}

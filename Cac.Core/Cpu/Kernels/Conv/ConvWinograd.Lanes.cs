using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cac.Cpu.Kernels;

// Lane shuffles of the Winograd convolution: image columns <-> tile phases. AVX for 256-bit vectors of float and
// double, lane by lane otherwise.
internal static partial class ConvWinograd<T>
{
    // dst[4 i + b] = o_b[i]: a 4 x W transpose (AVX shuffles for 256-bit vectors, lane by lane otherwise).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Interleave(Vector<T> o0, Vector<T> o1, Vector<T> o2, Vector<T> o3, ref T dst)
    {
        if (Avx.IsSupported && typeof(T) == typeof(float) && Vector<T>.Count == 8)
        {
            var (a, b, c, d) = (o0.AsVector256().AsSingle(), o1.AsVector256().AsSingle(), o2.AsVector256().AsSingle(), o3.AsVector256().AsSingle());
            var t0 = Avx.UnpackLow(a, b); var t1 = Avx.UnpackHigh(a, b);
            var t2 = Avx.UnpackLow(c, d); var t3 = Avx.UnpackHigh(c, d);
            var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
            var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
            ref float f = ref Unsafe.As<T, float>(ref dst);
            Avx.Permute2x128(u0, u1, 0x20).StoreUnsafe(ref f);
            Avx.Permute2x128(u2, u3, 0x20).StoreUnsafe(ref f, 8);
            Avx.Permute2x128(u0, u1, 0x31).StoreUnsafe(ref f, 16);
            Avx.Permute2x128(u2, u3, 0x31).StoreUnsafe(ref f, 24);
            return;
        }
        if (Avx.IsSupported && typeof(T) == typeof(double) && Vector<T>.Count == 4)
        {
            // A 4 x 4 transpose is its own inverse.
            Transpose4(o0, o1, o2, o3, out var r0, out var r1, out var r2, out var r3);
            r0.StoreUnsafe(ref dst); r1.StoreUnsafe(ref dst, 4); r2.StoreUnsafe(ref dst, 8); r3.StoreUnsafe(ref dst, 12);
            return;
        }
        InterleaveLanes(o0, o1, o2, o3, ref dst);
    }

    /// <summary>Interleave lane by lane: the fallback, and the reference the tests hold the shuffles to.</summary>
    internal static void InterleaveLanes(Vector<T> o0, Vector<T> o1, Vector<T> o2, Vector<T> o3, ref T dst)
    {
        for (int i = 0; i < Vector<T>.Count; i++)
        {
            Unsafe.Add(ref dst, 4 * i) = o0[i];
            Unsafe.Add(ref dst, 4 * i + 1) = o1[i];
            Unsafe.Add(ref dst, 4 * i + 2) = o2[i];
            Unsafe.Add(ref dst, 4 * i + 3) = o3[i];
        }
    }

    // (v[1], ..., v[W - 1], last): v shifted down one lane.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<T> ShiftIn(Vector<T> v, T last)
    {
        if (Avx2.IsSupported && typeof(T) == typeof(float) && Vector<T>.Count == 8)
        {
            var rotated = Avx2.PermuteVar8x32(v.AsVector256().AsSingle(), Vector256.Create(1, 2, 3, 4, 5, 6, 7, 0));
            return Avx.Blend(rotated, Vector256.Create(Unsafe.As<T, float>(ref last)), 0x80).AsVector().As<float, T>();
        }
        if (Avx2.IsSupported && typeof(T) == typeof(double) && Vector<T>.Count == 4)
        {
            var rotated = Avx2.Permute4x64(v.AsVector256().AsDouble(), 0b00_11_10_01);
            return Avx.Blend(rotated, Vector256.Create(Unsafe.As<T, double>(ref last)), 0b1000).AsVector().As<double, T>();
        }
        return ShiftInLanes(v, last);
    }

    /// <summary>ShiftIn lane by lane (fallback and test reference).</summary>
    internal static Vector<T> ShiftInLanes(Vector<T> v, T last)
    {
        Span<T> lanes = stackalloc T[Vector<T>.Count];
        for (int i = 0; i + 1 < lanes.Length; i++) lanes[i] = v[i + 1];
        lanes[^1] = last;
        return new Vector<T>(lanes);
    }

    // The inverse of Interleave: r0 .. r3 hold 4 W consecutive values v; p_b[i] = v[4 i + b].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Deinterleave(Vector<T> r0, Vector<T> r1, Vector<T> r2, Vector<T> r3,
        out Vector<T> p0, out Vector<T> p1, out Vector<T> p2, out Vector<T> p3)
    {
        if (Avx.IsSupported && typeof(T) == typeof(float) && Vector<T>.Count == 8)
        {
            var (a, b, c, d) = (r0.AsVector256().AsSingle(), r1.AsVector256().AsSingle(), r2.AsVector256().AsSingle(), r3.AsVector256().AsSingle());
            // s_k holds groups k and k + 4 (a group: the 4 phases of one tile).
            var s0 = Avx.Permute2x128(a, c, 0x20); var s1 = Avx.Permute2x128(a, c, 0x31);
            var s2 = Avx.Permute2x128(b, d, 0x20); var s3 = Avx.Permute2x128(b, d, 0x31);
            var t0 = Avx.UnpackLow(s0, s1); var t1 = Avx.UnpackHigh(s0, s1);
            var t2 = Avx.UnpackLow(s2, s3); var t3 = Avx.UnpackHigh(s2, s3);
            p0 = Avx.Shuffle(t0, t2, 0x44).AsVector().As<float, T>();
            p1 = Avx.Shuffle(t0, t2, 0xEE).AsVector().As<float, T>();
            p2 = Avx.Shuffle(t1, t3, 0x44).AsVector().As<float, T>();
            p3 = Avx.Shuffle(t1, t3, 0xEE).AsVector().As<float, T>();
            return;
        }
        if (Avx.IsSupported && typeof(T) == typeof(double) && Vector<T>.Count == 4)
        {
            Transpose4(r0, r1, r2, r3, out p0, out p1, out p2, out p3);
            return;
        }
        DeinterleaveLanes(r0, r1, r2, r3, out p0, out p1, out p2, out p3);
    }

    /// <summary>Deinterleave lane by lane (fallback and test reference).</summary>
    internal static void DeinterleaveLanes(Vector<T> r0, Vector<T> r1, Vector<T> r2, Vector<T> r3,
        out Vector<T> p0, out Vector<T> p1, out Vector<T> p2, out Vector<T> p3)
    {
        Span<T> v = stackalloc T[4 * Vector<T>.Count];
        r0.CopyTo(v); r1.CopyTo(v[Vector<T>.Count..]); r2.CopyTo(v[(2 * Vector<T>.Count)..]); r3.CopyTo(v[(3 * Vector<T>.Count)..]);
        Span<T> p = stackalloc T[4 * Vector<T>.Count];
        for (int i = 0; i < Vector<T>.Count; i++)
            for (int b = 0; b < 4; b++) p[b * Vector<T>.Count + i] = v[4 * i + b];
        p0 = new Vector<T>(p); p1 = new Vector<T>(p[Vector<T>.Count..]);
        p2 = new Vector<T>(p[(2 * Vector<T>.Count)..]); p3 = new Vector<T>(p[(3 * Vector<T>.Count)..]);
    }

    // 4 x 4 transpose of 4-lane double vectors: t_b[i] = r_i[b].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4(Vector<T> r0, Vector<T> r1, Vector<T> r2, Vector<T> r3,
        out Vector<T> t0, out Vector<T> t1, out Vector<T> t2, out Vector<T> t3)
    {
        var (a, b, c, d) = (r0.AsVector256().AsDouble(), r1.AsVector256().AsDouble(), r2.AsVector256().AsDouble(), r3.AsVector256().AsDouble());
        var u0 = Avx.UnpackLow(a, b); var u1 = Avx.UnpackHigh(a, b);
        var u2 = Avx.UnpackLow(c, d); var u3 = Avx.UnpackHigh(c, d);
        t0 = Avx.Permute2x128(u0, u2, 0x20).AsVector().As<double, T>();
        t1 = Avx.Permute2x128(u1, u3, 0x20).AsVector().As<double, T>();
        t2 = Avx.Permute2x128(u0, u2, 0x31).AsVector().As<double, T>();
        t3 = Avx.Permute2x128(u1, u3, 0x31).AsVector().As<double, T>();
    }
}

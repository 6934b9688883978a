using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cac.Cpu.Kernels;

/// <summary>
/// Matrix transposes for the CPU kernels: between the channels-last staging buffers of the sparse CAC kernels and NCHW
/// tensors, and of the Winograd weight gradient's transformed input.
/// </summary>
internal static class CpuTranspose<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// dst[k * ldd + i] = src[i * lds + k] (+ bias[k]) for i &lt; rows, k &lt; cols: 8 x 8 blocks through AVX registers for
    /// float (the last block of each direction overlaps the one before it), element by element otherwise.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(ref T src, int lds, ref T dst, int ldd, int rows, int cols, ReadOnlySpan<T> bias)
    {
        if (typeof(T) == typeof(float) && Avx.IsSupported && rows >= 8 && cols >= 8)
        {
            ref float sf = ref Unsafe.As<T, float>(ref src);
            ref float df = ref Unsafe.As<T, float>(ref dst);
            var bf = MemoryMarshal.Cast<T, float>(bias);
            for (int k0 = 0; k0 < cols; k0 += 8)
            {
                int k = Math.Min(k0, cols - 8);
                for (int i0 = 0; i0 < rows; i0 += 8)
                {
                    int i = Math.Min(i0, rows - 8);
                    Transpose8(ref Unsafe.Add(ref sf, i * lds + k), lds, ref Unsafe.Add(ref df, k * ldd + i), ldd, bf.IsEmpty ? bf : bf.Slice(k, 8));
                }
            }
            return;
        }
        for (int k = 0; k < cols; k++)
        {
            T b = bias.IsEmpty ? T.Zero : bias[k];
            ref T d = ref Unsafe.Add(ref dst, k * ldd);
            ref T sk = ref Unsafe.Add(ref src, k);
            for (int i = 0; i < rows; i++) Unsafe.Add(ref d, i) = Unsafe.Add(ref sk, i * lds) + b;
        }
    }

    // dst[k * ldd + i] = src[i * lds + k] + bias[k] for i, k < 8.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8(ref float src, int lds, ref float dst, int ldd, ReadOnlySpan<float> bias)
    {
        var r0 = Vector256.LoadUnsafe(ref src);
        var r1 = Vector256.LoadUnsafe(ref src, (nuint)lds);
        var r2 = Vector256.LoadUnsafe(ref src, (nuint)(2 * lds));
        var r3 = Vector256.LoadUnsafe(ref src, (nuint)(3 * lds));
        var r4 = Vector256.LoadUnsafe(ref src, (nuint)(4 * lds));
        var r5 = Vector256.LoadUnsafe(ref src, (nuint)(5 * lds));
        var r6 = Vector256.LoadUnsafe(ref src, (nuint)(6 * lds));
        var r7 = Vector256.LoadUnsafe(ref src, (nuint)(7 * lds));
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Put(Avx.Permute2x128(u0, u4, 0x20), ref dst, 0, ldd, bias);
        Put(Avx.Permute2x128(u1, u5, 0x20), ref dst, 1, ldd, bias);
        Put(Avx.Permute2x128(u2, u6, 0x20), ref dst, 2, ldd, bias);
        Put(Avx.Permute2x128(u3, u7, 0x20), ref dst, 3, ldd, bias);
        Put(Avx.Permute2x128(u0, u4, 0x31), ref dst, 4, ldd, bias);
        Put(Avx.Permute2x128(u1, u5, 0x31), ref dst, 5, ldd, bias);
        Put(Avx.Permute2x128(u2, u6, 0x31), ref dst, 6, ldd, bias);
        Put(Avx.Permute2x128(u3, u7, 0x31), ref dst, 7, ldd, bias);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(Vector256<float> v, ref float dst, int k, int ldd, ReadOnlySpan<float> bias)
    {
        if (!bias.IsEmpty) v += Vector256.Create(bias[k]);
        v.StoreUnsafe(ref dst, (nuint)(k * ldd));
    }
}

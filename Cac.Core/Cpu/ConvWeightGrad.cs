using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cac;

/// <summary>
/// Weight gradient of a stride-1 convolution on the implicit im2col of <see cref="PaddedImage"/>, for one sample
/// and one group: gwT (patch, Cout/G) += col (patch, Ho * Wp) @ gyWide^T (Ho * Wp, Cout/G). The rows of col are
/// slices of the padded image, read in place by the micro-kernel (six row streams, no A packing); gy is packed
/// once per KC slice into (kc, NR) panels with the Wp - Wo padding columns as zeros. The caller transposes gwT.
/// </summary>
internal static class ConvWeightGrad<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int MR = GemmKernel<T>.MR;
    private const int KC = 256;
    private static int NR => GemmKernel<T>.NR;

    /// <summary>Packed-B workspace length for <paramref name="coutG"/> output channels.</summary>
    public static int PackLength(int coutG) => (coutG + NR - 1) / NR * NR * KC;

    /// <summary>
    /// gwT (patch, coutG) at <paramref name="gwOffset"/> += col @ gyWide^T. image: padded sample, group base <paramref name="imageOffset"/>; table: the
    /// patch rows' offsets; gy: the sample's group channels (coutG, Ho, Wo) at <paramref name="gyOffset"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Accumulate(T[] image, long imageOffset, int[] table, T[] gy, long gyOffset, int coutG, int ho, int wo, int wp,
        T[] gwT, long gwOffset, T[] pack)
    {
        int nr = NR, patch = table.Length, k = ho * wp;
        int strips = (coutG + nr - 1) / nr;
        Span<T> tile = stackalloc T[MR * nr];
        ref T tileRef = ref MemoryMarshal.GetReference(tile);
        ref T img = ref MemoryMarshal.GetArrayDataReference(image);
        for (int pc = 0; pc < k; pc += KC)
        {
            int kc = Math.Min(KC, k - pc);
            PackGy(gy, gyOffset, coutG, ho * wo, wo, wp, pc, kc, pack);
            for (int s = 0; s < strips; s++)
            {
                ref T bp = ref pack[s * kc * nr];
                int cols = Math.Min(nr, coutG - s * nr);
                for (int i0 = 0; i0 < patch; i0 += MR)
                {
                    int rows = Math.Min(MR, patch - i0);
                    // Rows past the patch repeat the last one; their results are not stored.
                    ref T r0 = ref Unsafe.Add(ref img, (nint)(imageOffset + table[i0] + pc));
                    ref T r1 = ref Unsafe.Add(ref img, (nint)(imageOffset + table[Math.Min(i0 + 1, patch - 1)] + pc));
                    ref T r2 = ref Unsafe.Add(ref img, (nint)(imageOffset + table[Math.Min(i0 + 2, patch - 1)] + pc));
                    ref T r3 = ref Unsafe.Add(ref img, (nint)(imageOffset + table[Math.Min(i0 + 3, patch - 1)] + pc));
                    ref T r4 = ref Unsafe.Add(ref img, (nint)(imageOffset + table[Math.Min(i0 + 4, patch - 1)] + pc));
                    ref T r5 = ref Unsafe.Add(ref img, (nint)(imageOffset + table[Math.Min(i0 + 5, patch - 1)] + pc));
                    long cIndex = gwOffset + (long)i0 * coutG + s * nr;
                    if (cols == nr)
                    {
                        GemmKernel<T>.RunRowsA(kc, ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref bp, ref gwT[cIndex], coutG, rows);
                    }
                    else
                    {
                        tile.Clear();
                        GemmKernel<T>.RunRowsA(kc, ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref bp, ref tileRef, nr, rows);
                        for (int i = 0; i < rows; i++)
                            for (int j = 0; j < cols; j++) gwT[cIndex + (long)i * coutG + j] += tile[i * nr + j];
                    }
                }
            }
        }
    }

    // pack[s][p][j] = gyWide[s * NR + j, pc + p]: gy (coutG, Ho, Wo) seen as (coutG, Ho * Wp) with zero columns past Wo,
    // and zero channels past coutG. Panels are (kc, NR) row-major.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackGy(T[] gy, long gyOffset, int coutG, int plane, int wo, int wp, int pc, int kc, T[] pack)
    {
        int nr = NR, strips = (coutG + nr - 1) / nr;
        for (int co = 0; co < strips * nr; co++)
        {
            var dst = pack.AsSpan((co / nr) * kc * nr + co % nr);
            if (co >= coutG)
            {
                for (int p = 0; p < kc; p++) dst[p * nr] = T.Zero;
                continue;
            }
            var src = gy.AsSpan((int)(gyOffset + (long)co * plane), plane);
            int oh = pc / wp, col = pc % wp;
            for (int p = 0; p < kc; p++)
            {
                dst[p * nr] = col < wo ? src[oh * wo + col] : T.Zero;
                if (++col == wp) { col = 0; oh++; }
            }
        }
    }
}

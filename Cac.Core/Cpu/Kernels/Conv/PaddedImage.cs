using System.Runtime.CompilerServices;

namespace Cac.Cpu.Kernels;

/// <summary>
/// Implicit im2col for stride-1 convolutions. The input of one sample is copied, zero-padded, into
/// (Cin, Hp, Wp) with Hp = H + 2 PadH, Wp = W + 2 PadW, plus a little zero slack at the end. Computing the
/// output over Wp columns per row instead of Wo (the extra Wp - Wo columns are discarded), im2col row
/// (c, kh, kw) is then one contiguous slice of the padded image starting at
/// c * Hp * Wp + kh * dh * Wp + kw * dw, of length Ho * Wp: a GEMM operand through a row table, with no
/// col matrix at all.
/// </summary>
internal readonly record struct PaddedImage(int Hp, int Wp, int Length, int Columns, int[] Table)
{
    /// <summary>The layout for a geometry; <see cref="Table"/> holds one group's (Cin/G * KH * KW) row offsets.</summary>
    public static PaddedImage For(ConvGeometry geometry)
    {
        int hp = geometry.H + 2 * geometry.PadH, wp = geometry.W + 2 * geometry.PadW;
        var table = new int[geometry.PatchSize];
        int row = 0;
        for (int c = 0; c < geometry.CinPerGroup; c++)
            for (int kh = 0; kh < geometry.KH; kh++)
                for (int kw = 0; kw < geometry.KW; kw++)
                    table[row++] = c * hp * wp + kh * geometry.DilationH * wp + kw * geometry.DilationW;
        // The last row's slice runs (KW - 1) * dw elements past the image: zero slack.
        int length = geometry.Cin * hp * wp + (geometry.KW - 1) * geometry.DilationW;
        return new PaddedImage(hp, wp, length, geometry.Ho * wp, table);
    }

    /// <summary>
    /// Whether the implicit path applies: stride 1 and not too many wasted columns (Wp at most 2 Wo).
    /// </summary>
    public static bool Applies(ConvGeometry geometry) =>
        geometry.StrideH == 1 && geometry.StrideW == 1 && geometry.W + 2 * geometry.PadW <= 2 * geometry.Wo;

    /// <summary>Elements of one padded channel plane.</summary>
    public int Plane => Hp * Wp;

    /// <summary>Copies sample (Cin, H, W) at <paramref name="xOffset"/> into dst, zero-padded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Fill<T>(T[] x, long xOffset, ConvGeometry geometry, T[] dst) where T : unmanaged
    {
        var d = dst.AsSpan(0, Length);
        int hw = geometry.H * geometry.W;
        if (geometry.PadH == 0 && geometry.PadW == 0)
        {
            x.AsSpan((int)xOffset, geometry.Cin * hw).CopyTo(d);
            d[(geometry.Cin * hw)..].Clear();
            return;
        }
        d.Clear();
        for (int c = 0; c < geometry.Cin; c++)
            for (int ih = 0; ih < geometry.H; ih++)
                x.AsSpan((int)(xOffset + (long)c * hw + ih * geometry.W), geometry.W).CopyTo(d.Slice(c * Plane + (ih + geometry.PadH) * Wp + geometry.PadW));
    }
}

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
    public static PaddedImage For(ConvGeometry g)
    {
        int hp = g.H + 2 * g.PadH, wp = g.W + 2 * g.PadW;
        var table = new int[g.PatchSize];
        int row = 0;
        for (int c = 0; c < g.CinPerGroup; c++)
            for (int kh = 0; kh < g.KH; kh++)
                for (int kw = 0; kw < g.KW; kw++)
                    table[row++] = c * hp * wp + kh * g.DilationH * wp + kw * g.DilationW;
        // The last row's slice runs (KW - 1) * dw elements past the image: zero slack.
        int length = g.Cin * hp * wp + (g.KW - 1) * g.DilationW;
        return new PaddedImage(hp, wp, length, g.Ho * wp, table);
    }

    /// <summary>
    /// Whether the implicit path applies: stride 1 and not too many wasted columns (Wp at most 2 Wo).
    /// </summary>
    public static bool Applies(ConvGeometry g) =>
        g.StrideH == 1 && g.StrideW == 1 && g.W + 2 * g.PadW <= 2 * g.Wo;

    /// <summary>Elements of one padded channel plane.</summary>
    public int Plane => Hp * Wp;

    /// <summary>Copies sample (Cin, H, W) at <paramref name="xOffset"/> into dst, zero-padded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Fill<T>(T[] x, long xOffset, ConvGeometry g, T[] dst) where T : unmanaged
    {
        var d = dst.AsSpan(0, Length);
        int hw = g.H * g.W;
        if (g.PadH == 0 && g.PadW == 0)
        {
            x.AsSpan((int)xOffset, g.Cin * hw).CopyTo(d);
            d[(g.Cin * hw)..].Clear();
            return;
        }
        d.Clear();
        for (int c = 0; c < g.Cin; c++)
            for (int ih = 0; ih < g.H; ih++)
                x.AsSpan((int)(xOffset + (long)c * hw + ih * g.W), g.W).CopyTo(d.Slice(c * Plane + (ih + g.PadH) * Wp + g.PadW));
    }
}

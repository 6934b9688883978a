using System.Runtime.CompilerServices;

namespace Cac.Cpu.Kernels;

/// <summary>
/// The zero-padded input of one sample with its columns split by phase modulo the horizontal stride s, so that a
/// strided convolution reads contiguous vectors along the output width: padded pixel (c, row, col) lives at
/// ((c * s + col % s) * Hp + row) * Wq + col / s, with Hp = H + 2 PadH, Wq = ceil((W + 2 PadW) / s). Output pixel
/// (oh, ow) then reads row (c, kh, kw) of the implicit im2col at table[c, kh, kw] + oh * sh * Wq + ow. With s = 1 this is
/// the plain padded image of <see cref="PaddedImage"/>.
/// </summary>
internal readonly record struct PhasedImage(int Hp, int Wq, int Phases, int Length, int[] Table)
{
    /// <summary>
    /// The layout for a geometry, with <paramref name="slack"/> zero elements past the last channel (vector reads of
    /// partial slots); <see cref="Table"/> holds one group's (Cin/G * KH * KW) row offsets.
    /// </summary>
    public static PhasedImage For(ConvGeometry geometry, int slack)
    {
        int s = geometry.StrideW, hp = geometry.H + 2 * geometry.PadH, wq = (geometry.W + 2 * geometry.PadW + s - 1) / s;
        var table = new int[geometry.PatchSize];
        int row = 0;
        for (int c = 0; c < geometry.CinPerGroup; c++)
            for (int kh = 0; kh < geometry.KH; kh++)
                for (int kw = 0; kw < geometry.KW; kw++)
                {
                    int col = kw * geometry.DilationW;
                    table[row++] = ((c * s + col % s) * hp + kh * geometry.DilationH) * wq + col / s;
                }
        return new PhasedImage(hp, wq, s, geometry.Cin * s * hp * wq + slack, table);
    }

    /// <summary>Elements of one input channel (all its phases).</summary>
    public int ChannelLength => Phases * Hp * Wq;

    /// <summary>Image offset of output row oh relative to a table entry: oh * StrideH * Wq.</summary>
    public int RowOffset(ConvGeometry geometry, int oh) => oh * geometry.StrideH * Wq;

    /// <summary>Copies sample (Cin, H, W) at <paramref name="xOffset"/> into dst, zero-padded and phase-split.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Fill<T>(T[] x, long xOffset, ConvGeometry geometry, T[] dst) where T : unmanaged
    {
        var d = dst.AsSpan(0, Length);
        d.Clear();
        int hw = geometry.H * geometry.W, s = Phases;
        for (int c = 0; c < geometry.Cin; c++)
            for (int ih = 0; ih < geometry.H; ih++)
            {
                var src = x.AsSpan((int)(xOffset + (long)c * hw + ih * geometry.W), geometry.W);
                int row = ih + geometry.PadH;
                if (s == 1)
                {
                    src.CopyTo(d.Slice((c * Hp + row) * Wq + geometry.PadW));
                    continue;
                }
                // Phase ph holds padded columns ph, ph + s, ...: input columns ph - PadW + j s.
                for (int ph = 0; ph < s; ph++)
                {
                    var dstRow = d.Slice(((c * s + ph) * Hp + row) * Wq, Wq);
                    int iw = ph - geometry.PadW, j = 0;
                    for (; iw < 0; iw += s) j++;
                    for (; iw < geometry.W; iw += s, j++) dstRow[j] = src[iw];
                }
            }
    }
}

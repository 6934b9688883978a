using System.Numerics;
using System.Runtime.CompilerServices;

namespace Cac.Cpu.Kernels;

/// <summary>
/// Unfolds convolution windows into a matrix and folds them back. For one sample and one group,
/// x: (C, H, W) with C = Cin / groups, col: (C * KH * KW, Ho * Wo), row (c, kh, kw), column (oh, ow):
/// col[(c, kh, kw), (oh, ow)] = x[c, oh * sh - ph + kh * dh, ow * sw - pw + kw * dw] (0 outside x).
/// <para>
/// GPU twin: Cac.Gpu/Kernels/Im2ColKernels.cs.
/// Reference: Cac.Core/Cpu/Reference/ConvReference.cs.
/// Checked against: Cac.Tests/Core/ConvTests.cs.
/// </para>
/// </summary>
internal static class Im2ColKernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Fills col from the C channels of x starting at <paramref name="xOffset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Unfold(T[] x, long xOffset, ConvGeometry geometry, T[] col)
    {
        int ho = geometry.Ho, wo = geometry.Wo, plane = ho * wo;
        int row = 0;
        for (int c = 0; c < geometry.CinPerGroup; c++)
        {
            var xc = x.AsSpan((int)(xOffset + (long)c * geometry.H * geometry.W), geometry.H * geometry.W);
            for (int kh = 0; kh < geometry.KH; kh++)
                for (int kw = 0; kw < geometry.KW; kw++, row++)
                {
                    var dst = col.AsSpan(row * plane, plane);
                    var (owLo, owHi) = ValidRange(kw * geometry.DilationW - geometry.PadW, geometry.StrideW, geometry.W, wo);
                    for (int oh = 0; oh < ho; oh++)
                    {
                        var d = dst.Slice(oh * wo, wo);
                        int ih = oh * geometry.StrideH - geometry.PadH + kh * geometry.DilationH;
                        if ((uint)ih >= (uint)geometry.H || owLo >= owHi)
                        {
                            d.Clear();
                            continue;
                        }
                        d[..owLo].Clear();
                        d[owHi..].Clear();
                        int iw0 = owLo * geometry.StrideW - geometry.PadW + kw * geometry.DilationW;
                        var src = xc.Slice(ih * geometry.W);
                        if (geometry.StrideW == 1)
                        {
                            src.Slice(iw0, owHi - owLo).CopyTo(d[owLo..owHi]);
                        }
                        else
                        {
                            for (int ow = owLo, iw = iw0; ow < owHi; ow++, iw += geometry.StrideW) d[ow] = src[iw];
                        }
                    }
                }
        }
    }

    /// <summary>Adds col back into the C channels of gx starting at <paramref name="gxOffset"/> (the adjoint of <see cref="Unfold"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FoldAdd(T[] col, T[] gx, long gxOffset, ConvGeometry geometry)
    {
        int ho = geometry.Ho, wo = geometry.Wo, plane = ho * wo;
        int row = 0;
        for (int c = 0; c < geometry.CinPerGroup; c++)
        {
            var gc = gx.AsSpan((int)(gxOffset + (long)c * geometry.H * geometry.W), geometry.H * geometry.W);
            for (int kh = 0; kh < geometry.KH; kh++)
                for (int kw = 0; kw < geometry.KW; kw++, row++)
                {
                    var src = col.AsSpan(row * plane, plane);
                    var (owLo, owHi) = ValidRange(kw * geometry.DilationW - geometry.PadW, geometry.StrideW, geometry.W, wo);
                    if (owLo >= owHi) continue;
                    for (int oh = 0; oh < ho; oh++)
                    {
                        int ih = oh * geometry.StrideH - geometry.PadH + kh * geometry.DilationH;
                        if ((uint)ih >= (uint)geometry.H) continue;
                        var s = src.Slice(oh * wo, wo);
                        var d = gc.Slice(ih * geometry.W);
                        int iw0 = owLo * geometry.StrideW - geometry.PadW + kw * geometry.DilationW;
                        if (geometry.StrideW == 1)
                        {
                            Add(s[owLo..owHi], d.Slice(iw0, owHi - owLo));
                        }
                        else
                        {
                            for (int ow = owLo, iw = iw0; ow < owHi; ow++, iw += geometry.StrideW) d[iw] += s[ow];
                        }
                    }
                }
        }
    }

    // Output columns ow with 0 <= ow * stride + shift < width, as [lo, hi) clipped to [0, wo).
    private static (int Lo, int Hi) ValidRange(int shift, int stride, int width, int wo)
    {
        // ow >= ceil(-shift / stride) and ow <= floor((width - 1 - shift) / stride).
        int lo = shift >= 0 ? 0 : (-shift + stride - 1) / stride;
        int last = width - 1 - shift;
        int hi = last < 0 ? 0 : last / stride + 1;
        lo = Math.Min(lo, wo);
        hi = Math.Clamp(hi, lo, wo);
        return (lo, hi);
    }

    // dst += src, SIMD.
    private static void Add(ReadOnlySpan<T> src, Span<T> dst)
    {
        int i = 0, w = Vector<T>.Count;
        for (; i + w <= src.Length; i += w)
            (new Vector<T>(dst[i..]) + new Vector<T>(src[i..])).CopyTo(dst[i..]);
        for (; i < src.Length; i++) dst[i] += src[i];
    }
}

using ILGPU;

namespace Cac.Gpu.Kernels;

/// <summary>Convolution geometry as kernel arguments (see Cac.ConvGeometry).</summary>
internal struct ConvArgs
{
    public int Cin, H, W, Cout, KH, KW, StrideH, StrideW, PadH, PadW, DilationH, DilationW, Ho, Wo;

    public static ConvArgs From(ConvGeometry g) => new()
    {
        Cin = g.Cin, H = g.H, W = g.W, Cout = g.Cout, KH = g.KH, KW = g.KW, StrideH = g.StrideH, StrideW = g.StrideW,
        PadH = g.PadH, PadW = g.PadW, DilationH = g.DilationH, DilationW = g.DilationW, Ho = g.Ho, Wo = g.Wo,
    };
}

// Convolution as GEMM over a chunk of `count` samples starting at sample n0.
// col: (Cin * KH * KW, count * Ho * Wo), row (c, kh, kw), column (sample, oh, ow); group g's rows start at g * PatchSize.
// Channel-major views: t: (C, count * Ho * Wo) against the NCHW tensor y: (N, C, Ho * Wo).
// CPU twin: Cac.Core/Cpu/Kernels/Im2ColKernels.cs. The CPU convolution runs a different algorithm for most shapes:
// Winograd or direct kernels on the padded image (Cac.Core/Cpu/Kernels/Conv/CpuConv.cs), im2col + GEMM only for the
// rest.
internal static class Im2ColKernels
{
    // col[(c, kh, kw), (s, oh, ow)] = x[n0 + s, c, oh * stride - pad + kh * dilation, ...] or 0 outside x.
    public static void Im2Col(Index1D index, ArrayView<float> x, ArrayView<float> col, ConvArgs g, int n0, int count, int n, int stride)
    {
        int hw = g.Ho * g.Wo, cols = count * hw, kk = g.KH * g.KW;
        for (int e = index; e < n; e += stride)
        {
            int row = e / cols, column = e - row * cols;
            int c = row / kk, k = row - c * kk, kh = k / g.KW, kw = k - kh * g.KW;
            int s = column / hw, pixel = column - s * hw, oh = pixel / g.Wo, ow = pixel - oh * g.Wo;
            int ih = oh * g.StrideH - g.PadH + kh * g.DilationH, iw = ow * g.StrideW - g.PadW + kw * g.DilationW;
            col[e] = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W ? x[(((n0 + s) * g.Cin + c) * g.H + ih) * g.W + iw] : 0f;
        }
    }

    // Along one axis: the output index o whose window reads input index i at offset (o * stride - pad + offset == i,
    // 0 <= o < outSize; offset = tap * dilation, or a sample point's offset), or -1 when there is none. The inverse of the
    // window rule, shared by the col2im-style gathers.
    public static int WindowReading(int i, int offset, int pad, int stride, int outSize)
    {
        int t = i + pad - offset;
        if (t < 0 || t % stride != 0) return -1;
        int o = t / stride;
        return o < outSize ? o : -1;
    }

    // The adjoint of Im2Col as a gather (no atomics): gx[n0 + s, c, ih, iw] = sum of the col entries that read it.
    public static void Col2Im(Index1D index, ArrayView<float> col, ArrayView<float> gx, ConvArgs g, int n0, int count, int n, int stride)
    {
        int hw = g.Ho * g.Wo, cols = count * hw;
        for (int e = index; e < n; e += stride)
        {
            int iw = e % g.W, rest = e / g.W, ih = rest % g.H;
            rest /= g.H;
            int c = rest % g.Cin, s = rest / g.Cin;
            float sum = 0f;
            for (int kh = 0; kh < g.KH; kh++)
            {
                int oh = WindowReading(ih, kh * g.DilationH, g.PadH, g.StrideH, g.Ho);
                if (oh < 0) continue;
                for (int kw = 0; kw < g.KW; kw++)
                {
                    int ow = WindowReading(iw, kw * g.DilationW, g.PadW, g.StrideW, g.Wo);
                    if (ow < 0) continue;
                    sum += col[((c * g.KH + kh) * g.KW + kw) * cols + s * hw + oh * g.Wo + ow];
                }
            }
            gx[n0 * g.Cin * g.H * g.W + e] = sum;
        }
    }

    // y[n0 + s, co, p] = t[co, s * hw + p] (+ bias[co] when hasBias).
    public static void ToNchw(Index1D index, ArrayView<float> t, ArrayView<float> y, ArrayView<float> bias, int hasBias, int channels, int hw, int n0, int count, int n, int stride)
    {
        for (int e = index; e < n; e += stride)
        {
            int p = e % hw, rest = e / hw, co = rest % channels, s = rest / channels;
            float v = t[co * count * hw + s * hw + p];
            y[n0 * channels * hw + e] = hasBias != 0 ? v + bias[co] : v;
        }
    }

    // t[co, s * hw + p] = y[n0 + s, co, p].
    public static void FromNchw(Index1D index, ArrayView<float> y, ArrayView<float> t, int channels, int hw, int n0, int count, int n, int stride)
    {
        for (int e = index; e < n; e += stride)
        {
            int p = e % hw, rest = e / hw, co = rest % channels, s = rest / channels;
            t[co * count * hw + s * hw + p] = y[n0 * channels * hw + e];
        }
    }
}

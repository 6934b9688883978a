using ILGPU;

namespace Cac.Gpu.Kernels;

/// <summary>Convolution geometry as kernel arguments (see Cac.ConvGeometry).</summary>
internal struct ConvArgs
{
    public int Cin, H, W, Cout, KH, KW, StrideH, StrideW, PadH, PadW, DilationH, DilationW, Ho, Wo;

    public static ConvArgs From(ConvGeometry geometry) => new()
    {
        Cin = geometry.Cin, H = geometry.H, W = geometry.W, Cout = geometry.Cout, KH = geometry.KH, KW = geometry.KW, StrideH = geometry.StrideH, StrideW = geometry.StrideW,
        PadH = geometry.PadH, PadW = geometry.PadW, DilationH = geometry.DilationH, DilationW = geometry.DilationW, Ho = geometry.Ho, Wo = geometry.Wo,
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
    public static void Im2Col(Index1D index, ArrayView<float> x, ArrayView<float> col, ConvArgs geometry, int n0, int count, int n, int stride)
    {
        int hw = geometry.Ho * geometry.Wo, cols = count * hw, kk = geometry.KH * geometry.KW;
        for (int e = index; e < n; e += stride)
        {
            int row = e / cols, column = e - row * cols;
            int c = row / kk, k = row - c * kk, kh = k / geometry.KW, kw = k - kh * geometry.KW;
            int s = column / hw, pixel = column - s * hw, oh = pixel / geometry.Wo, ow = pixel - oh * geometry.Wo;
            int ih = oh * geometry.StrideH - geometry.PadH + kh * geometry.DilationH, iw = ow * geometry.StrideW - geometry.PadW + kw * geometry.DilationW;
            col[e] = ih >= 0 && ih < geometry.H && iw >= 0 && iw < geometry.W ? x[(((n0 + s) * geometry.Cin + c) * geometry.H + ih) * geometry.W + iw] : 0f;
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
    public static void Col2Im(Index1D index, ArrayView<float> col, ArrayView<float> gx, ConvArgs geometry, int n0, int count, int n, int stride)
    {
        int hw = geometry.Ho * geometry.Wo, cols = count * hw;
        for (int e = index; e < n; e += stride)
        {
            int iw = e % geometry.W, rest = e / geometry.W, ih = rest % geometry.H;
            rest /= geometry.H;
            int c = rest % geometry.Cin, s = rest / geometry.Cin;
            float sum = 0f;
            for (int kh = 0; kh < geometry.KH; kh++)
            {
                int oh = WindowReading(ih, kh * geometry.DilationH, geometry.PadH, geometry.StrideH, geometry.Ho);
                if (oh < 0) continue;
                for (int kw = 0; kw < geometry.KW; kw++)
                {
                    int ow = WindowReading(iw, kw * geometry.DilationW, geometry.PadW, geometry.StrideW, geometry.Wo);
                    if (ow < 0) continue;
                    sum += col[((c * geometry.KH + kh) * geometry.KW + kw) * cols + s * hw + oh * geometry.Wo + ow];
                }
            }
            gx[n0 * geometry.Cin * geometry.H * geometry.W + e] = sum;
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

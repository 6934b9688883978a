using ILGPU;
using ILGPU.Algorithms;

namespace Cac.Gpu.Kernels;

/// <summary>Pooling geometry as kernel arguments (see Cac.PoolGeometry); planes = N * C.</summary>
internal struct PoolArgs
{
    public int Planes, H, W, Ho, Wo, KH, KW, StrideH, StrideW, PadH, PadW, CountIncludePad;

    public static PoolArgs From(PoolGeometry geometry, bool countIncludePad) => new()
    {
        Planes = geometry.N * geometry.C, H = geometry.H, W = geometry.W, Ho = geometry.Ho, Wo = geometry.Wo, KH = geometry.KH, KW = geometry.KW,
        StrideH = geometry.StrideH, StrideW = geometry.StrideW, PadH = geometry.PadH, PadW = geometry.PadW, CountIncludePad = countIncludePad ? 1 : 0,
    };
}

// Pooling over (planes, H, W) -> (planes, Ho, Wo). Forward kernels run one thread per output; backward
// kernels run one thread per input and gather from the windows that cover it (no atomics, deterministic).
// Semantics as the CPU twin's.
// CPU twin: Cac.Core/Cpu/Kernels/PoolKernels.cs.
internal static class PoolKernels
{
    // First output index o with o * stride - pad + k > i (the first window reaching input i), and the last with o * stride - pad <= i.
    private static int FirstWindow(int i, int pad, int k, int stride)
    {
        int t = i + pad - k + 1;
        return t <= 0 ? 0 : (t + stride - 1) / stride;
    }

    private static int LastWindow(int i, int pad, int stride, int outSize) => XMin((i + pad) / stride, outSize - 1);

    private static int XMin(int a, int b) => a < b ? a : b;

    private static int XMax(int a, int b) => a > b ? a : b;

    // Max over the in-bounds taps (padding acts as -inf); first maximum wins; NaN propagates. index = ih * W + iw.
    public static void MaxForward(Index1D index, ArrayView<float> x, ArrayView<float> y, ArrayView<int> indices, PoolArgs geometry, int n, int stride)
    {
        for (int o = index; o < n; o += stride)
        {
            int ow = o % geometry.Wo, rest = o / geometry.Wo, oh = rest % geometry.Ho, p = rest / geometry.Ho;
            int hs = oh * geometry.StrideH - geometry.PadH, ws = ow * geometry.StrideW - geometry.PadW;
            int ih0 = XMax(hs, 0), ih1 = XMin(hs + geometry.KH, geometry.H), iw0 = XMax(ws, 0), iw1 = XMin(ws + geometry.KW, geometry.W);
            int xBase = p * geometry.H * geometry.W;
            float best = float.NegativeInfinity;
            int bestIndex = ih0 * geometry.W + iw0;
            for (int ih = ih0; ih < ih1; ih++)
                for (int iw = iw0; iw < iw1; iw++)
                {
                    float v = x[xBase + ih * geometry.W + iw];
                    if (v > best || XMath.IsNaN(v))
                    {
                        best = v;
                        bestIndex = ih * geometry.W + iw;
                    }
                }
            y[o] = best;
            indices[o] = bestIndex;
        }
    }

    // gx[p, i] = sum of gy[p, o] over the windows o covering i whose saved argmax is i.
    public static void MaxBackward(Index1D index, ArrayView<float> gy, ArrayView<int> indices, ArrayView<float> gx, PoolArgs geometry, int n, int stride)
    {
        for (int e = index; e < n; e += stride)
        {
            int iw = e % geometry.W, rest = e / geometry.W, ih = rest % geometry.H, p = rest / geometry.H;
            int pos = ih * geometry.W + iw, yBase = p * geometry.Ho * geometry.Wo;
            int oh0 = FirstWindow(ih, geometry.PadH, geometry.KH, geometry.StrideH), oh1 = LastWindow(ih, geometry.PadH, geometry.StrideH, geometry.Ho);
            int ow0 = FirstWindow(iw, geometry.PadW, geometry.KW, geometry.StrideW), ow1 = LastWindow(iw, geometry.PadW, geometry.StrideW, geometry.Wo);
            float sum = 0f;
            for (int oh = oh0; oh <= oh1; oh++)
                for (int ow = ow0; ow <= ow1; ow++)
                {
                    int o = yBase + oh * geometry.Wo + ow;
                    if (indices[o] == pos) sum += gy[o];
                }
            gx[e] = sum;
        }
    }

    // PyTorch's divisor of window (oh, ow): the window clipped to the padded input when CountIncludePad, else its in-bounds part.
    private static int Divisor(PoolArgs geometry, int oh, int ow)
    {
        int hs = oh * geometry.StrideH - geometry.PadH, he = XMin(hs + geometry.KH, geometry.H + geometry.PadH);
        int ws = ow * geometry.StrideW - geometry.PadW, we = XMin(ws + geometry.KW, geometry.W + geometry.PadW);
        return geometry.CountIncludePad != 0
            ? (he - hs) * (we - ws)
            : (XMin(he, geometry.H) - XMax(hs, 0)) * (XMin(we, geometry.W) - XMax(ws, 0));
    }

    // y = sum(window) / divisor (0 for an empty window).
    public static void AvgForward(Index1D index, ArrayView<float> x, ArrayView<float> y, PoolArgs geometry, int n, int stride)
    {
        for (int o = index; o < n; o += stride)
        {
            int ow = o % geometry.Wo, rest = o / geometry.Wo, oh = rest % geometry.Ho, p = rest / geometry.Ho;
            int hs = oh * geometry.StrideH - geometry.PadH, ws = ow * geometry.StrideW - geometry.PadW;
            int ih0 = XMax(hs, 0), ih1 = XMin(XMin(hs + geometry.KH, geometry.H + geometry.PadH), geometry.H);
            int iw0 = XMax(ws, 0), iw1 = XMin(XMin(ws + geometry.KW, geometry.W + geometry.PadW), geometry.W);
            int divisor = Divisor(geometry, oh, ow);
            int xBase = p * geometry.H * geometry.W;
            float sum = 0f;
            for (int ih = ih0; ih < ih1; ih++)
                for (int iw = iw0; iw < iw1; iw++) sum += x[xBase + ih * geometry.W + iw];
            y[o] = divisor <= 0 ? 0f : sum / divisor;
        }
    }

    // gx[p, i] = sum of gy[p, o] / divisor(o) over the windows o covering i.
    public static void AvgBackward(Index1D index, ArrayView<float> gy, ArrayView<float> gx, PoolArgs geometry, int n, int stride)
    {
        for (int e = index; e < n; e += stride)
        {
            int iw = e % geometry.W, rest = e / geometry.W, ih = rest % geometry.H, p = rest / geometry.H;
            int yBase = p * geometry.Ho * geometry.Wo;
            int oh0 = FirstWindow(ih, geometry.PadH, geometry.KH, geometry.StrideH), oh1 = LastWindow(ih, geometry.PadH, geometry.StrideH, geometry.Ho);
            int ow0 = FirstWindow(iw, geometry.PadW, geometry.KW, geometry.StrideW), ow1 = LastWindow(iw, geometry.PadW, geometry.StrideW, geometry.Wo);
            float sum = 0f;
            for (int oh = oh0; oh <= oh1; oh++)
                for (int ow = ow0; ow <= ow1; ow++)
                {
                    int divisor = Divisor(geometry, oh, ow);
                    if (divisor > 0) sum += gy[yBase + oh * geometry.Wo + ow] / divisor;
                }
            gx[e] = sum;
        }
    }

    // PyTorch's adaptive bin [start, end) of output i: floor(i * in / out), ceil((i + 1) * in / out).
    private static int BinStart(int i, int input, int output) => i * input / output;

    private static int BinEnd(int i, int input, int output) => ((i + 1) * input + output - 1) / output;

    // y = mean over the bin.
    public static void AdaptiveForward(Index1D index, ArrayView<float> x, ArrayView<float> y, int h, int w, int ho, int wo, int n, int stride)
    {
        for (int o = index; o < n; o += stride)
        {
            int ow = o % wo, rest = o / wo, oh = rest % ho, p = rest / ho;
            int ih0 = BinStart(oh, h, ho), ih1 = BinEnd(oh, h, ho), iw0 = BinStart(ow, w, wo), iw1 = BinEnd(ow, w, wo);
            int xBase = p * h * w;
            float sum = 0f;
            for (int ih = ih0; ih < ih1; ih++)
                for (int iw = iw0; iw < iw1; iw++) sum += x[xBase + ih * w + iw];
            y[o] = sum / ((ih1 - ih0) * (iw1 - iw0));
        }
    }

    // gx[p, i] = sum of gy[p, o] / binSize(o) over the bins o containing i (bins overlap when sizes do not divide).
    public static void AdaptiveBackward(Index1D index, ArrayView<float> gy, ArrayView<float> gx, int h, int w, int ho, int wo, int n, int stride)
    {
        for (int e = index; e < n; e += stride)
        {
            int iw = e % w, rest = e / w, ih = rest % h, p = rest / h;
            int yBase = p * ho * wo;
            // Bins containing ih lie near ih * ho / h; test a slightly wider candidate range exactly.
            int oh0 = XMax(ih * ho / h - 1, 0), oh1 = XMin((ih + 1) * ho / h + 1, ho - 1);
            int ow0 = XMax(iw * wo / w - 1, 0), ow1 = XMin((iw + 1) * wo / w + 1, wo - 1);
            float sum = 0f;
            for (int oh = oh0; oh <= oh1; oh++)
            {
                int hs = BinStart(oh, h, ho), he = BinEnd(oh, h, ho);
                if (ih < hs || ih >= he) continue;
                for (int ow = ow0; ow <= ow1; ow++)
                {
                    int ws = BinStart(ow, w, wo), we = BinEnd(ow, w, wo);
                    if (iw < ws || iw >= we) continue;
                    sum += gy[yBase + oh * wo + ow] / ((he - hs) * (we - ws));
                }
            }
            gx[e] = sum;
        }
    }
}

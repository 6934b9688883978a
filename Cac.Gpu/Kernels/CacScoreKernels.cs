using ILGPU;
using ILGPU.Algorithms;

namespace Cac.Gpu.Kernels;

// CAC score kernels (contracts in Cac.Core/Backends/IBackend.Cac.cs):
// channel mean, Sobel score map with its m x m box, hard step, straight-through score gradient.
// Grid-stride loops over n items, one output element per item.
// CPU twin: Cac.Core/Cpu/Kernels/CacScoreKernels.cs.
internal static class CacScoreKernels
{
    // xbar[n, p] = (sum over c of x[n, c, p], in channel order) * inv. x: (N, channels, hw), xbar: (N, hw); n = N * hw items.
    public static void ChannelMean(Index1D index, ArrayView<float> x, ArrayView<float> xbar, int channels, int hw, float inv, int n, int stride)
    {
        for (int e = index; e < n; e += stride)
        {
            int s = e / hw, p = e - s * hw, at = s * channels * hw + p;
            float sum = x[at];
            for (int c = 1; c < channels; c++) sum += x[at + c * hw];
            xbar[e] = sum * inv;
        }
    }

    // score[n, oh, ow] = mean over a, b in [0, m) of the Sobel magnitude at virtual position (oh + a, ow + b).
    // xbar: (N, H, W), score: (N, Ho, Wo); n = N * Ho * Wo items.
    public static void Sobel(Index1D index, ArrayView<float> xbar, ArrayView<float> score, ConvArgs geometry, int m, int n, int stride)
    {
        float inv = 1f / (m * m);
        for (int e = index; e < n; e += stride)
        {
            int ow = e % geometry.Wo, rest = e / geometry.Wo, oh = rest % geometry.Ho, plane = rest / geometry.Ho * geometry.H * geometry.W;
            if (m == 1)
            {
                score[e] = Magnitude(xbar, plane, geometry, oh, ow);
                continue;
            }
            float sum = 0f;
            for (int a = 0; a < m; a++)
                for (int b = 0; b < m; b++)
                    sum += Magnitude(xbar, plane, geometry, oh + a, ow + b);
            score[e] = sum * inv;
        }
    }

    // Sobel magnitude of virtual position (vh, vw): centred at row vh*s - p + d, column vw*s - p + d, taps d apart,
    // xbar zero outside the image.
    private static float Magnitude(ArrayView<float> x, int plane, ConvArgs geometry, int vh, int vw)
    {
        int ch = vh * geometry.StrideH - geometry.PadH + geometry.DilationH, cw = vw * geometry.StrideW - geometry.PadW + geometry.DilationW;
        int dh = geometry.DilationH, dw = geometry.DilationW;
        float tl = At(x, plane, geometry, ch - dh, cw - dw), tc = At(x, plane, geometry, ch - dh, cw), tr = At(x, plane, geometry, ch - dh, cw + dw);
        float ml = At(x, plane, geometry, ch, cw - dw), mr = At(x, plane, geometry, ch, cw + dw);
        float bl = At(x, plane, geometry, ch + dh, cw - dw), bc = At(x, plane, geometry, ch + dh, cw), br = At(x, plane, geometry, ch + dh, cw + dw);
        // Cross-correlation with [[1,0,-1],[2,0,-2],[1,0,-1]] and its transpose.
        float gx = (tl - tr) + 2f * (ml - mr) + (bl - br);
        float gy = (tl - bl) + 2f * (tc - bc) + (tr - br);
        return XMath.Sqrt(gx * gx + gy * gy);
    }

    private static float At(ArrayView<float> x, int plane, ConvArgs geometry, int r, int c) =>
        r >= 0 && r < geometry.H && c >= 0 && c < geometry.W ? x[plane + r * geometry.W + c] : 0f;

    // y = x > 0 ? 1 : 0.
    public static void Step(Index1D index, ArrayView<float> x, ArrayView<float> y, int n, int stride)
    {
        for (int i = index; i < n; i += stride) y[i] = x[i] > 0f ? 1f : 0f;
    }

    // gScore[s, q] = (score[s, q] > 0 ? 1 : -1) * sum over c of gy[s, c, q] * y[s, c, q]. gy, y: (N, channels, positions);
    // n = N * positions items.
    public static void ScoreGrad(Index1D index, ArrayView<float> gy, ArrayView<float> y, ArrayView<float> score, ArrayView<float> gScore,
        int channels, int positions, int n, int stride)
    {
        for (int e = index; e < n; e += stride)
        {
            int s = e / positions, q = e - s * positions, at = s * channels * positions + q;
            float acc = 0f;
            for (int c = 0; c < channels; c++) acc += gy[at + c * positions] * y[at + c * positions];
            gScore[e] = score[e] > 0f ? acc : -acc;
        }
    }
}

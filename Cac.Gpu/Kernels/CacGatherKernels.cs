using ILGPU;

namespace Cac.Gpu.Kernels;

// Gather/scatter kernels of the sparse CAC path (contracts in Cac.Core/Backends/IBackend.Cac.cs). A position list idx
// (already offset to its first entry, `count` entries) holds flat output positions s*Ho*Wo + oh*Wo + ow; column
// matrices are (rows, count) row-major, so consecutive threads read consecutive list entries. Grid-stride loops over n
// items. Scatter-adds never race: a window scatter is written as a gather over gx through a position -> column map
// (col2im style), and distinct positions sample distinct pixels.
// CPU twin: Cac.Core/Cpu/Kernels/CacGatherKernels.cs. The CPU backend's sparse convolution does not compose them with
// GEMMs as the GPU does (Cac.Core/Backends/Composed/CacSparseComposed.cs): it fuses the gathers into a per-sample
// register kernel (Cac.Core/Cpu/Kernels/CacSparse/CpuCacSparse.cs).
internal static class CacGatherKernels
{
    // cols[(c, kh, kw), j] = x[s, c, oh*st - p + kh*d, ow*st - p + kw*d] (0 in the padding) for position j = (s, oh, ow).
    // x: (N, Cin, H, W), cols: (Cin*KH*KW, count); n = Cin*KH*KW*count items.
    public static void GatherWindows(Index1D index, ArrayView<float> x, ArrayView<int> idx, ArrayView<float> cols, ConvArgs g,
        int count, int n, int stride)
    {
        int kk = g.KH * g.KW, howo = g.Ho * g.Wo;
        for (int e = index; e < n; e += stride)
        {
            int row = e / count, j = e - row * count;
            int c = row / kk, k = row - c * kk, kh = k / g.KW, kw = k - kh * g.KW;
            int p = idx[j], s = p / howo, r = p - s * howo, oh = r / g.Wo, ow = r - oh * g.Wo;
            int ih = oh * g.StrideH - g.PadH + kh * g.DilationH, iw = ow * g.StrideW - g.PadW + kw * g.DilationW;
            cols[e] = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W ? x[((s * g.Cin + c) * g.H + ih) * g.W + iw] : 0f;
        }
    }

    // map[idx[j]] = j: the column of each listed position (map: (N*Ho*Wo), -1 elsewhere, filled beforehand); n = count.
    public static void MapPositions(Index1D index, ArrayView<int> idx, ArrayView<int> map, int n, int stride)
    {
        for (int j = index; j < n; j += stride) map[idx[j]] = j;
    }

    // gx[s, c, ih, iw] += sum of cols[(c, kh, kw), map[s, oh, ow]] over the taps whose listed window reads (ih, iw).
    // cols: (Cin*KH*KW, count), gx: (N, Cin, H, W); n = N*Cin*H*W items.
    public static void ScatterWindows(Index1D index, ArrayView<float> cols, ArrayView<int> map, ArrayView<float> gx, ConvArgs g,
        int count, int n, int stride)
    {
        for (int e = index; e < n; e += stride)
        {
            int iw = e % g.W, rest = e / g.W, ih = rest % g.H;
            rest /= g.H;
            int c = rest % g.Cin, s = rest / g.Cin;
            float sum = 0f;
            bool hit = false;
            for (int kh = 0; kh < g.KH; kh++)
            {
                int oh = Im2ColKernels.WindowReading(ih, kh * g.DilationH, g.PadH, g.StrideH, g.Ho);
                if (oh < 0) continue;
                for (int kw = 0; kw < g.KW; kw++)
                {
                    int ow = Im2ColKernels.WindowReading(iw, kw * g.DilationW, g.PadW, g.StrideW, g.Wo);
                    if (ow < 0) continue;
                    int j = map[(s * g.Ho + oh) * g.Wo + ow];
                    if (j < 0) continue;
                    sum += cols[((c * g.KH + kh) * g.KW + kw) * count + j];
                    hit = true;
                }
            }
            if (hit) gx[e] += sum;
        }
    }

    // Gather (scatter == 0): points[c, j] = x[s, c, oh*st - p + offH, ow*st - p + offW] (0 in the padding).
    // Scatter (scatter != 0): x[...] += points[c, j] where the pixel is inside (x is then gx).
    // x: (N, Cin, H, W), points: (Cin, count); n = Cin*count items.
    public static void Points(Index1D index, ArrayView<float> x, ArrayView<int> idx, ArrayView<float> points, ConvArgs g,
        int offH, int offW, int scatter, int count, int n, int stride)
    {
        int howo = g.Ho * g.Wo;
        for (int e = index; e < n; e += stride)
        {
            int c = e / count, j = e - c * count;
            int p = idx[j], s = p / howo, r = p - s * howo, oh = r / g.Wo, ow = r - oh * g.Wo;
            int ih = oh * g.StrideH - g.PadH + offH, iw = ow * g.StrideW - g.PadW + offW;
            bool inside = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W;
            int at = ((s * g.Cin + c) * g.H + ih) * g.W + iw;
            if (scatter != 0)
            {
                if (inside) x[at] += points[e];
            }
            else points[e] = inside ? x[at] : 0f;
        }
    }

    // y[s, c, q] = cols[c, j] (+ bias[c] when hasBias) for listed position j = s*positions + q.
    // cols: (channels, count), y: (N, channels, positions); n = channels*count items.
    public static void ScatterColumns(Index1D index, ArrayView<float> cols, ArrayView<float> bias, int hasBias, ArrayView<int> idx,
        ArrayView<float> y, int channels, int positions, int count, int n, int stride)
    {
        for (int e = index; e < n; e += stride)
        {
            int c = e / count, j = e - c * count;
            int p = idx[j], s = p / positions, q = p - s * positions;
            float v = cols[e];
            y[(s * channels + c) * positions + q] = hasBias != 0 ? v + bias[c] : v;
        }
    }

    // cols[c, j] = src[s, c, q] for listed position j = s*positions + q. src: (N, channels, positions); n = channels*count items.
    public static void GatherColumns(Index1D index, ArrayView<float> src, ArrayView<int> idx, ArrayView<float> cols,
        int channels, int positions, int count, int n, int stride)
    {
        for (int e = index; e < n; e += stride)
        {
            int c = e / count, j = e - c * count;
            int p = idx[j], s = p / positions, q = p - s * positions;
            cols[e] = src[(s * channels + c) * positions + q];
        }
    }

    // wPhi[r] = sum over t of w[r, t] in tap order. w: (rows, taps); n = rows items.
    public static void SumTaps(Index1D index, ArrayView<float> w, ArrayView<float> wPhi, int taps, int n, int stride)
    {
        for (int r = index; r < n; r += stride)
        {
            float sum = 0f;
            for (int t = 0; t < taps; t++) sum += w[r * taps + t];
            wPhi[r] = sum;
        }
    }

    // gw[r, t] += gwPhi[r]. gw: (rows, taps); n = rows*taps items.
    public static void SpreadTaps(Index1D index, ArrayView<float> gwPhi, ArrayView<float> gw, int taps, int n, int stride)
    {
        for (int e = index; e < n; e += stride) gw[e] += gwPhi[e / taps];
    }

    // y[s, c, oh, ow] = x[s, c, oh*st - p + offH, ow*st - p + offW] (0 in the padding). x: (N, Cin, H, W),
    // y: (N, Cin, Ho, Wo); n = N*Cin*Ho*Wo items.
    public static void SamplePoints(Index1D index, ArrayView<float> x, ArrayView<float> y, ConvArgs g, int offH, int offW, int n, int stride)
    {
        for (int e = index; e < n; e += stride)
        {
            int ow = e % g.Wo, rest = e / g.Wo, oh = rest % g.Ho, plane = rest / g.Ho;
            int ih = oh * g.StrideH - g.PadH + offH, iw = ow * g.StrideW - g.PadW + offW;
            y[e] = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W ? x[(plane * g.H + ih) * g.W + iw] : 0f;
        }
    }

    // The adjoint of SamplePoints as a gather: gx[s, c, ih, iw] = gy at the one output sampling (ih, iw), or 0.
    // gy: (N, Cin, Ho, Wo), gx: (N, Cin, H, W); n = N*Cin*H*W items.
    public static void SamplePointsBackward(Index1D index, ArrayView<float> gy, ArrayView<float> gx, ConvArgs g, int offH, int offW, int n, int stride)
    {
        for (int e = index; e < n; e += stride)
        {
            int iw = e % g.W, rest = e / g.W, ih = rest % g.H, plane = rest / g.H;
            int oh = Im2ColKernels.WindowReading(ih, offH, g.PadH, g.StrideH, g.Ho);
            int ow = Im2ColKernels.WindowReading(iw, offW, g.PadW, g.StrideW, g.Wo);
            gx[e] = oh >= 0 && ow >= 0 ? gy[(plane * g.Ho + oh) * g.Wo + ow] : 0f;
        }
    }
}

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
    public static void GatherWindows(Index1D index, ArrayView<float> x, ArrayView<int> idx, ArrayView<float> cols, ConvArgs geometry,
        int count, int n, int stride)
    {
        int kk = geometry.KH * geometry.KW, howo = geometry.Ho * geometry.Wo;
        for (int e = index; e < n; e += stride)
        {
            int row = e / count, j = e - row * count;
            int c = row / kk, k = row - c * kk, kh = k / geometry.KW, kw = k - kh * geometry.KW;
            int p = idx[j], s = p / howo, r = p - s * howo, oh = r / geometry.Wo, ow = r - oh * geometry.Wo;
            int ih = oh * geometry.StrideH - geometry.PadH + kh * geometry.DilationH, iw = ow * geometry.StrideW - geometry.PadW + kw * geometry.DilationW;
            cols[e] = ih >= 0 && ih < geometry.H && iw >= 0 && iw < geometry.W ? x[((s * geometry.Cin + c) * geometry.H + ih) * geometry.W + iw] : 0f;
        }
    }

    // map[idx[j]] = j: the column of each listed position (map: (N*Ho*Wo), -1 elsewhere, filled beforehand); n = count.
    public static void MapPositions(Index1D index, ArrayView<int> idx, ArrayView<int> map, int n, int stride)
    {
        for (int j = index; j < n; j += stride) map[idx[j]] = j;
    }

    // gx[s, c, ih, iw] += sum of cols[(c, kh, kw), map[s, oh, ow]] over the taps whose listed window reads (ih, iw).
    // cols: (Cin*KH*KW, count), gx: (N, Cin, H, W); n = N*Cin*H*W items.
    public static void ScatterWindows(Index1D index, ArrayView<float> cols, ArrayView<int> map, ArrayView<float> gx, ConvArgs geometry,
        int count, int n, int stride)
    {
        for (int e = index; e < n; e += stride)
        {
            int iw = e % geometry.W, rest = e / geometry.W, ih = rest % geometry.H;
            rest /= geometry.H;
            int c = rest % geometry.Cin, s = rest / geometry.Cin;
            float sum = 0f;
            bool hit = false;
            for (int kh = 0; kh < geometry.KH; kh++)
            {
                int oh = Im2ColKernels.WindowReading(ih, kh * geometry.DilationH, geometry.PadH, geometry.StrideH, geometry.Ho);
                if (oh < 0) continue;
                for (int kw = 0; kw < geometry.KW; kw++)
                {
                    int ow = Im2ColKernels.WindowReading(iw, kw * geometry.DilationW, geometry.PadW, geometry.StrideW, geometry.Wo);
                    if (ow < 0) continue;
                    int j = map[(s * geometry.Ho + oh) * geometry.Wo + ow];
                    if (j < 0) continue;
                    sum += cols[((c * geometry.KH + kh) * geometry.KW + kw) * count + j];
                    hit = true;
                }
            }
            if (hit) gx[e] += sum;
        }
    }

    // Gather (scatter == 0): points[c, j] = x[s, c, oh*st - p + offH, ow*st - p + offW] (0 in the padding).
    // Scatter (scatter != 0): x[...] += points[c, j] where the pixel is inside (x is then gx).
    // x: (N, Cin, H, W), points: (Cin, count); n = Cin*count items.
    public static void Points(Index1D index, ArrayView<float> x, ArrayView<int> idx, ArrayView<float> points, ConvArgs geometry,
        int offH, int offW, int scatter, int count, int n, int stride)
    {
        int howo = geometry.Ho * geometry.Wo;
        for (int e = index; e < n; e += stride)
        {
            int c = e / count, j = e - c * count;
            int p = idx[j], s = p / howo, r = p - s * howo, oh = r / geometry.Wo, ow = r - oh * geometry.Wo;
            int ih = oh * geometry.StrideH - geometry.PadH + offH, iw = ow * geometry.StrideW - geometry.PadW + offW;
            bool inside = ih >= 0 && ih < geometry.H && iw >= 0 && iw < geometry.W;
            int at = ((s * geometry.Cin + c) * geometry.H + ih) * geometry.W + iw;
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
    public static void SamplePoints(Index1D index, ArrayView<float> x, ArrayView<float> y, ConvArgs geometry, int offH, int offW, int n, int stride)
    {
        for (int e = index; e < n; e += stride)
        {
            int ow = e % geometry.Wo, rest = e / geometry.Wo, oh = rest % geometry.Ho, plane = rest / geometry.Ho;
            int ih = oh * geometry.StrideH - geometry.PadH + offH, iw = ow * geometry.StrideW - geometry.PadW + offW;
            y[e] = ih >= 0 && ih < geometry.H && iw >= 0 && iw < geometry.W ? x[(plane * geometry.H + ih) * geometry.W + iw] : 0f;
        }
    }

    // The adjoint of SamplePoints as a gather: gx[s, c, ih, iw] = gy at the one output sampling (ih, iw), or 0.
    // gy: (N, Cin, Ho, Wo), gx: (N, Cin, H, W); n = N*Cin*H*W items.
    public static void SamplePointsBackward(Index1D index, ArrayView<float> gy, ArrayView<float> gx, ConvArgs geometry, int offH, int offW, int n, int stride)
    {
        for (int e = index; e < n; e += stride)
        {
            int iw = e % geometry.W, rest = e / geometry.W, ih = rest % geometry.H, plane = rest / geometry.H;
            int oh = Im2ColKernels.WindowReading(ih, offH, geometry.PadH, geometry.StrideH, geometry.Ho);
            int ow = Im2ColKernels.WindowReading(iw, offW, geometry.PadW, geometry.StrideW, geometry.Wo);
            gx[e] = oh >= 0 && ow >= 0 ? gy[(plane * geometry.Ho + oh) * geometry.Wo + ow] : 0f;
        }
    }
}

using ILGPU;

namespace Cac.Gpu.Kernels;

/// <summary>
/// Sizes of a resize and where its lookup tables start. Int table: forward taps i0, i1 per output row/column and
/// the inverse map in CSR form (offsets per input row/column, then output indices); float table: forward weights
/// l0, l1 and the inverse map's weights. Built on the host by GpuBackend.Resize.cs with the CPU backend's formulas.
/// </summary>
internal struct ResizeArgs
{
    public int H, W, Ho, Wo, Bilinear;
    public int RowI0, RowI1, RowOffsets, RowOutputs, ColI0, ColI1, ColOffsets, ColOutputs;
    public int RowL0, RowL1, RowWeights, ColL0, ColL1, ColWeights;
}

// Resizing of (planes, H, W) stacks: nearest / bilinear upsampling through lookup tables, constant padding.
// Forward kernels run one thread per output; backward kernels one thread per input (gathers, no atomics).
// CPU twin: Cac.Core/Cpu/Kernels/ResizeKernels.cs.
internal static class ResizeKernels
{
    // Nearest: y = x[i0[oh], i0[ow]]. Bilinear: y = l0r (l0c x00 + l1c x01) + l1r (l0c x10 + l1c x11), as the CPU backend.
    public static void UpsampleForward(Index1D index, ArrayView<float> x, ArrayView<float> y, ArrayView<int> ti, ArrayView<float> tf, ResizeArgs r, int n, int stride)
    {
        for (int o = index; o < n; o += stride)
        {
            int ow = o % r.Wo, rest = o / r.Wo, oh = rest % r.Ho, p = rest / r.Ho;
            int xBase = p * r.H * r.W;
            int top = xBase + ti[r.RowI0 + oh] * r.W, j0 = ti[r.ColI0 + ow];
            if (r.Bilinear == 0)
            {
                y[o] = x[top + j0];
                continue;
            }
            int bottom = xBase + ti[r.RowI1 + oh] * r.W, j1 = ti[r.ColI1 + ow];
            float a0 = tf[r.RowL0 + oh], a1 = tf[r.RowL1 + oh], b0 = tf[r.ColL0 + ow], b1 = tf[r.ColL1 + ow];
            y[o] = a0 * (b0 * x[top + j0] + b1 * x[top + j1]) + a1 * (b0 * x[bottom + j0] + b1 * x[bottom + j1]);
        }
    }

    // gx[p, ih, iw] = sum over the outputs (oh, ow) that read (ih, iw) of wRow * wCol * gy[p, oh, ow].
    public static void UpsampleBackward(Index1D index, ArrayView<float> gy, ArrayView<float> gx, ArrayView<int> ti, ArrayView<float> tf, ResizeArgs r, int n, int stride)
    {
        for (int e = index; e < n; e += stride)
        {
            int iw = e % r.W, rest = e / r.W, ih = rest % r.H, p = rest / r.H;
            int yBase = p * r.Ho * r.Wo;
            int a0 = ti[r.RowOffsets + ih], a1 = ti[r.RowOffsets + ih + 1];
            int c0 = ti[r.ColOffsets + iw], c1 = ti[r.ColOffsets + iw + 1];
            float sum = 0f;
            for (int a = a0; a < a1; a++)
            {
                int oh = ti[r.RowOutputs + a];
                float wr = tf[r.RowWeights + a];
                for (int c = c0; c < c1; c++)
                    sum += wr * tf[r.ColWeights + c] * gy[yBase + oh * r.Wo + ti[r.ColOutputs + c]];
            }
            gx[e] = sum;
        }
    }

    // y: (planes, H + top + bottom, W + left + right); input (ih, iw) sits at (ih + top, iw + left); value elsewhere.
    public static void PadForward(Index1D index, ArrayView<float> x, ArrayView<float> y, int h, int w, int top, int left, int ho, int wo, float value, int n, int stride)
    {
        for (int o = index; o < n; o += stride)
        {
            int ow = o % wo, rest = o / wo, oh = rest % ho, p = rest / ho;
            int ih = oh - top, iw = ow - left;
            y[o] = ih >= 0 && ih < h && iw >= 0 && iw < w ? x[(p * h + ih) * w + iw] : value;
        }
    }

    // gx = the overlap of gy, zero where negative pads cropped the input.
    public static void PadBackward(Index1D index, ArrayView<float> gy, ArrayView<float> gx, int h, int w, int top, int left, int ho, int wo, int n, int stride)
    {
        for (int e = index; e < n; e += stride)
        {
            int iw = e % w, rest = e / w, ih = rest % h, p = rest / h;
            int oh = ih + top, ow = iw + left;
            gx[e] = oh >= 0 && oh < ho && ow >= 0 && ow < wo ? gy[(p * ho + oh) * wo + ow] : 0f;
        }
    }
}

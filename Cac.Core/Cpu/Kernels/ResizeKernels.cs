using System.Numerics;

namespace Cac.Cpu.Kernels;

// Resizing kernels: nearest / bilinear upsampling and constant padding of (planes, H, W) stacks.
// One plane per work item (CpuParallel over planes); each backward is the exact adjoint of its
// forward (scatter-add of the forward's weights), so gradient checks hold for every size.
// GPU twin: Cac.Gpu/Kernels/ResizeKernels.cs.
// Checked against: Cac.Tests/Core/ResizeTests.cs, Cac.Tests/Core/PadTests.cs.
internal static class ResizeKernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// PyTorch's 'nearest' source index: floor(dst * (float)in / out), clamped to in - 1
    /// (computed in float, as PyTorch does, so that non-integer scales pick the same pixels).
    /// </summary>
    private static int NearestSource(int dst, int input, int output)
    {
        float scale = (float)input / output;
        return Math.Min((int)MathF.Floor(dst * scale), input - 1);
    }

    /// <summary>
    /// Linear-interpolation taps along one axis, PyTorch's rule: align corners: src = dst * (in-1)/(out-1);
    /// otherwise src = max((dst + 0.5) * in/out - 0.5, 0). Output dst reads l0 * x[i0] + l1 * x[i1].
    /// </summary>
    private static (int[] I0, int[] I1, T[] L0, T[] L1) LinearTaps(int input, int output, bool alignCorners)
    {
        T scale = alignCorners
            ? (output > 1 ? T.CreateTruncating(input - 1) / T.CreateTruncating(output - 1) : T.Zero)
            : T.CreateTruncating(input) / T.CreateTruncating(output);
        var i0 = new int[output];
        var i1 = new int[output];
        var l0 = new T[output];
        var l1 = new T[output];
        for (int d = 0; d < output; d++)
        {
            // As PyTorch: the half-pixel shift is evaluated in double, then rounded to T.
            T src = alignCorners ? scale * T.CreateTruncating(d)
                : T.CreateTruncating(Math.Max(double.CreateTruncating(scale) * (d + 0.5) - 0.5, 0.0));
            int lo = Math.Min(int.CreateTruncating(src), input - 1);
            i0[d] = lo;
            i1[d] = lo < input - 1 ? lo + 1 : lo;
            l1[d] = src - T.CreateTruncating(lo);
            l0[d] = T.One - l1[d];
        }
        return (i0, i1, l0, l1);
    }

    // x: (planes, H, W), y: (planes, Ho, Wo). Forward writes y from x; backward (backward = true) treats
    // x as gx and y as gy, zeroes gx and scatter-adds every gy element with the forward's weights.
    public static void Upsample2d(T[] x, T[] y, int planes, int h, int w, int ho, int wo, bool bilinear, bool alignCorners, bool backward)
    {
        int[] r0, r1, c0, c1;
        T[] rl0, rl1, cl0, cl1;
        if (bilinear)
        {
            (r0, r1, rl0, rl1) = LinearTaps(h, ho, alignCorners);
            (c0, c1, cl0, cl1) = LinearTaps(w, wo, alignCorners);
        }
        else
        {
            r0 = r1 = Enumerable.Range(0, ho).Select(d => NearestSource(d, h, ho)).ToArray();
            c0 = c1 = Enumerable.Range(0, wo).Select(d => NearestSource(d, w, wo)).ToArray();
            rl0 = cl0 = rl1 = cl1 = [];
        }
        CpuParallel.For(planes, CpuParallel.PlaneGrain((long)ho * wo), (p0, p1) =>
        {
            for (long p = p0; p < p1; p++)
            {
                long xBase = p * h * w, yBase = p * ho * wo;
                if (backward) Array.Clear(x, (int)xBase, h * w);
                for (int oh = 0; oh < ho; oh++)
                {
                    long top = xBase + (long)r0[oh] * w, bottom = xBase + (long)r1[oh] * w, yRow = yBase + (long)oh * wo;
                    if (!bilinear)
                    {
                        if (backward) for (int ow = 0; ow < wo; ow++) x[top + c0[ow]] += y[yRow + ow];
                        else for (int ow = 0; ow < wo; ow++) y[yRow + ow] = x[top + c0[ow]];
                        continue;
                    }
                    T a0 = rl0[oh], a1 = rl1[oh];
                    for (int ow = 0; ow < wo; ow++)
                    {
                        T b0 = cl0[ow], b1 = cl1[ow];
                        int j0 = c0[ow], j1 = c1[ow];
                        if (backward)
                        {
                            T gv = y[yRow + ow];
                            x[top + j0] += a0 * b0 * gv;
                            x[top + j1] += a0 * b1 * gv;
                            x[bottom + j0] += a1 * b0 * gv;
                            x[bottom + j1] += a1 * b1 * gv;
                        }
                        else
                        {
                            y[yRow + ow] = a0 * (b0 * x[top + j0] + b1 * x[top + j1]) + a1 * (b0 * x[bottom + j0] + b1 * x[bottom + j1]);
                        }
                    }
                }
            }
        });
    }

    // x: (planes, H, W), y: (planes, H + top + bottom, W + left + right); input (ih, iw) sits at output
    // (ih + top, iw + left). Forward: y = value outside the copied overlap. Backward (x = gx, y = gy):
    // gx = the overlap of gy, zero where the input was cropped away by negative pads.
    public static void Pad2d(T[] x, T[] y, int planes, int h, int w, int top, int bottom, int left, int right, T value, bool backward)
    {
        int ho = h + top + bottom, wo = w + left + right;
        // Input columns [iw0, iw1) and rows [ih0, ih1) survive in the output.
        int iw0 = Math.Max(0, -left), iw1 = Math.Max(iw0, Math.Min(w, wo - left));
        int ih0 = Math.Max(0, -top), ih1 = Math.Max(ih0, Math.Min(h, ho - top));
        int span = iw1 - iw0;
        CpuParallel.For(planes, CpuParallel.PlaneGrain((long)ho * wo), (p0, p1) =>
        {
            for (long p = p0; p < p1; p++)
            {
                long xBase = p * h * w, yBase = p * ho * wo;
                if (backward)
                {
                    Array.Clear(x, (int)xBase, h * w);
                    for (int ih = ih0; ih < ih1; ih++)
                        Array.Copy(y, yBase + (long)(ih + top) * wo + iw0 + left, x, xBase + (long)ih * w + iw0, span);
                }
                else
                {
                    Array.Fill(y, value, (int)yBase, ho * wo);
                    for (int ih = ih0; ih < ih1; ih++)
                        Array.Copy(x, xBase + (long)ih * w + iw0, y, yBase + (long)(ih + top) * wo + iw0 + left, span);
                }
            }
        });
    }
}

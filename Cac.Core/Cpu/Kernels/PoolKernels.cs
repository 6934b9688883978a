using System.Numerics;

namespace Cac.Cpu.Kernels;

// Pooling kernels: max, average and adaptive average over (N*C) independent planes.
// Every kernel runs one plane per work item (CpuParallel over planes), so backward scatter-adds
// within a plane never race. Forward and backward of each pool are written side by side.
// GPU twin: Cac.Gpu/Kernels/PoolKernels.cs.
// Checked against: Cac.Tests/Core/PoolingTests.cs, Cac.Tests/PyTorch/PoolingFixtureTests.cs.
internal static class PoolKernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // x: (N*C, H, W) -> y, indices: (N*C, Ho, Wo). Padding acts as -inf: only in-bounds taps are read.
    // First maximum wins on ties; NaN propagates (as PyTorch).
    public static void MaxPool2dForward(T[] x, T[] y, int[] indices, PoolGeometry geometry)
    {
        int h = geometry.H, w = geometry.W, ho = geometry.Ho, wo = geometry.Wo;
        CpuParallel.For((long)geometry.N * geometry.C, CpuParallel.PlaneGrain((long)h * w), (p0, p1) =>
        {
            for (long p = p0; p < p1; p++)
            {
                long xBase = p * h * w, yBase = p * ho * wo;
                for (int oh = 0; oh < ho; oh++)
                {
                    int hs = oh * geometry.StrideH - geometry.PadH;
                    int ih0 = Math.Max(hs, 0), ih1 = Math.Min(hs + geometry.KH, h);
                    for (int ow = 0; ow < wo; ow++)
                    {
                        int ws = ow * geometry.StrideW - geometry.PadW;
                        int iw0 = Math.Max(ws, 0), iw1 = Math.Min(ws + geometry.KW, w);
                        T best = T.NegativeInfinity;
                        int bestIndex = ih0 * w + iw0;
                        for (int ih = ih0; ih < ih1; ih++)
                        {
                            long row = xBase + (long)ih * w;
                            for (int iw = iw0; iw < iw1; iw++)
                            {
                                T v = x[row + iw];
                                if (v > best || T.IsNaN(v))
                                {
                                    best = v;
                                    bestIndex = ih * w + iw;
                                }
                            }
                        }
                        y[yBase + oh * wo + ow] = best;
                        indices[yBase + oh * wo + ow] = bestIndex;
                    }
                }
            }
        });
    }

    // gx[p, idx[p, o]] += gy[p, o]: overlapping windows that chose the same input accumulate.
    public static void MaxPool2dBackward(T[] gy, int[] indices, T[] gx, PoolGeometry geometry)
    {
        long planeIn = (long)geometry.H * geometry.W, planeOut = (long)geometry.Ho * geometry.Wo;
        CpuParallel.For((long)geometry.N * geometry.C, CpuParallel.PlaneGrain(planeIn + planeOut), (p0, p1) =>
        {
            for (long p = p0; p < p1; p++)
            {
                long xBase = p * planeIn, yBase = p * planeOut;
                Array.Clear(gx, (int)xBase, (int)planeIn);
                for (long o = 0; o < planeOut; o++) gx[xBase + indices[yBase + o]] += gy[yBase + o];
            }
        });
    }

    // x: (N*C, H, W), y: (N*C, Ho, Wo). Forward: y = sum(window) / divisor. Backward (its adjoint):
    // x (here gx) += y (here gy) / divisor over the window. PyTorch's divisor: the window clipped to the
    // padded input [-pad, H + pad) when countIncludePad (always KH*KW in floor mode; kept for ceil mode),
    // else the in-bounds part of the window only.
    public static void AvgPool2d(T[] x, T[] y, PoolGeometry geometry, bool countIncludePad, bool backward)
    {
        int h = geometry.H, w = geometry.W, ho = geometry.Ho, wo = geometry.Wo;
        CpuParallel.For((long)geometry.N * geometry.C, CpuParallel.PlaneGrain((long)h * w), (p0, p1) =>
        {
            for (long p = p0; p < p1; p++)
            {
                long xBase = p * h * w, yBase = p * ho * wo;
                if (backward) Array.Clear(x, (int)xBase, h * w);
                for (int oh = 0; oh < ho; oh++)
                {
                    int hs = oh * geometry.StrideH - geometry.PadH, he = Math.Min(hs + geometry.KH, h + geometry.PadH);
                    int ih0 = Math.Max(hs, 0), ih1 = Math.Min(he, h);
                    for (int ow = 0; ow < wo; ow++)
                    {
                        int ws = ow * geometry.StrideW - geometry.PadW, we = Math.Min(ws + geometry.KW, w + geometry.PadW);
                        int iw0 = Math.Max(ws, 0), iw1 = Math.Min(we, w);
                        int divisor = countIncludePad ? (he - hs) * (we - ws) : (ih1 - ih0) * (iw1 - iw0);
                        long o = yBase + oh * wo + ow;
                        if (divisor <= 0)
                        {
                            if (!backward) y[o] = T.Zero;
                            continue;
                        }
                        if (backward)
                        {
                            T share = y[o] / T.CreateTruncating(divisor);
                            for (int ih = ih0; ih < ih1; ih++)
                                for (int iw = iw0; iw < iw1; iw++) x[xBase + (long)ih * w + iw] += share;
                        }
                        else
                        {
                            T sum = T.Zero;
                            for (int ih = ih0; ih < ih1; ih++)
                                for (int iw = iw0; iw < iw1; iw++) sum += x[xBase + (long)ih * w + iw];
                            y[o] = sum / T.CreateTruncating(divisor);
                        }
                    }
                }
            }
        });
    }

    /// <summary>PyTorch's adaptive bin [start, end) of output index i: floor(i*in/out), ceil((i+1)*in/out).</summary>
    private static (int Start, int End) AdaptiveBin(int i, int input, int output) =>
        ((int)((long)i * input / output), (int)(((long)(i + 1) * input + output - 1) / output));

    // x: (planes, H, W), y: (planes, Ho, Wo). Forward: y = mean over the bin. Backward (adjoint):
    // x (here gx) += y (here gy) / bin size over the bin; bins overlap when the sizes do not divide.
    public static void AdaptiveAvgPool2d(T[] x, T[] y, int planes, int h, int w, int ho, int wo, bool backward)
    {
        var rows = Enumerable.Range(0, ho).Select(i => AdaptiveBin(i, h, ho)).ToArray();
        var cols = Enumerable.Range(0, wo).Select(i => AdaptiveBin(i, w, wo)).ToArray();
        CpuParallel.For(planes, CpuParallel.PlaneGrain((long)h * w), (p0, p1) =>
        {
            for (long p = p0; p < p1; p++)
            {
                long xBase = p * h * w, yBase = p * ho * wo;
                if (backward) Array.Clear(x, (int)xBase, h * w);
                for (int oh = 0; oh < ho; oh++)
                {
                    var (ih0, ih1) = rows[oh];
                    for (int ow = 0; ow < wo; ow++)
                    {
                        var (iw0, iw1) = cols[ow];
                        T count = T.CreateTruncating((ih1 - ih0) * (iw1 - iw0));
                        long o = yBase + oh * wo + ow;
                        if (backward)
                        {
                            T share = y[o] / count;
                            for (int ih = ih0; ih < ih1; ih++)
                                for (int iw = iw0; iw < iw1; iw++) x[xBase + (long)ih * w + iw] += share;
                        }
                        else
                        {
                            T sum = T.Zero;
                            for (int ih = ih0; ih < ih1; ih++)
                                for (int iw = iw0; iw < iw1; iw++) sum += x[xBase + (long)ih * w + iw];
                            y[o] = sum / count;
                        }
                    }
                }
            }
        });
    }
}

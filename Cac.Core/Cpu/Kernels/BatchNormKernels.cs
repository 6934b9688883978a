using System.Numerics;

namespace Cac.Cpu.Kernels;

// Batch norm kernels. x, y, gx, gy: (N, C, HW) contiguous; gamma, beta, statistics: (C).
// One parallel work item per channel; per-channel statistics accumulate in double.
// GPU twin: Cac.Gpu/Kernels/BatchNormKernels.cs.
// Checked against: Cac.Tests/Core/BatchNormTests.cs, Cac.Tests/PyTorch/BatchNormFixtureTests.cs.
internal static class BatchNormKernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // relu: y = max(0, batch_norm(x)) in the same pass.
    public static void BatchNormTrainForward(T[] x, T[] gamma, T[] beta, T[] y, T[] saveMean, T[] saveInvStd,
        T[] runningMean, T[] runningVar, int n, int c, int hw, double momentum, double eps, bool relu)
    {
        long m = (long)n * hw;
        CpuParallel.For(c, 1, (start, end) =>
        {
            for (int ch = (int)start; ch < end; ch++)
            {
                // Two passes (mean, then squared deviations) for an accurate biased variance; SIMD within each
                // plane, planes summed in double.
                double sum = 0;
                for (int i = 0; i < n; i++) sum += Sum(Plane(x, i, ch, c, hw));
                double mean = m == 0 ? 0 : sum / m;
                double squares = 0;
                var tMean = T.CreateTruncating(mean);
                for (int i = 0; i < n; i++) squares += SumSquaredDeviations(Plane(x, i, ch, c, hw), tMean);
                double variance = m == 0 ? 0 : squares / m;
                double invStd = 1.0 / Math.Sqrt(variance + eps);

                var scale = T.CreateTruncating(invStd * double.CreateTruncating(gamma[ch]));
                for (int i = 0; i < n; i++)
                    ScaleShift(Plane(x, i, ch, c, hw), Plane(y, i, ch, c, hw), T.CreateTruncating(mean), scale, beta[ch], relu);

                saveMean[ch] = T.CreateTruncating(mean);
                saveInvStd[ch] = T.CreateTruncating(invStd);
                double unbiased = m > 1 ? variance * m / (m - 1) : variance;
                runningMean[ch] = T.CreateTruncating((1 - momentum) * double.CreateTruncating(runningMean[ch]) + momentum * mean);
                runningVar[ch] = T.CreateTruncating((1 - momentum) * double.CreateTruncating(runningVar[ch]) + momentum * unbiased);
            }
        });
    }

    public static void BatchNormEvalForward(T[] x, T[] gamma, T[] beta, T[] runningMean, T[] runningVar, T[] y,
        int n, int c, int hw, double eps) =>
        CpuParallel.For(c, 1, (start, end) =>
        {
            for (int ch = (int)start; ch < end; ch++)
            {
                double invStd = 1.0 / Math.Sqrt(double.CreateTruncating(runningVar[ch]) + eps);
                var scale = T.CreateTruncating(invStd * double.CreateTruncating(gamma[ch]));
                for (int i = 0; i < n; i++)
                    ScaleShift(Plane(x, i, ch, c, hw), Plane(y, i, ch, c, hw), runningMean[ch], scale, beta[ch], relu: false);
            }
        });

    // xhat = (x - mean) * invStd. gGamma = sum(gy * xhat), gBeta = sum(gy) over (N, HW).
    // Batch statistics: gx = gamma * invStd / m * (m * gy - sum(gy) - xhat * sum(gy * xhat)), m = N * HW.
    // Constant statistics: gx = gy * gamma * invStd.
    // With reluOutput, gy is read as 0 where reluOutput <= 0.
    public static void BatchNormBackward(T[] x, T[]? reluOutput, T[] gy, T[] gamma, T[] mean, T[] invStd,
        T[] gx, T[] gGamma, T[] gBeta, int n, int c, int hw, bool batchStats)
    {
        long m = (long)n * hw;
        CpuParallel.For(c, 1, (start, end) =>
        {
            for (int ch = (int)start; ch < end; ch++)
            {
                double mu = double.CreateTruncating(mean[ch]), inv = double.CreateTruncating(invStd[ch]);
                double sumGy = 0, sumGyXc = 0;
                var tMu = T.CreateTruncating(mu);
                for (int i = 0; i < n; i++)
                {
                    var (grad, gxc) = SumAndDot(Plane(gy, i, ch, c, hw), Mask(reluOutput, i, ch, c, hw), Plane(x, i, ch, c, hw), tMu);
                    sumGy += grad;
                    sumGyXc += gxc;
                }
                double sumGyXhat = sumGyXc * inv;
                gGamma[ch] = T.CreateTruncating(sumGyXhat);
                gBeta[ch] = T.CreateTruncating(sumGy);

                double k = double.CreateTruncating(gamma[ch]) * inv;
                for (int i = 0; i < n; i++)
                {
                    var xs = Plane(x, i, ch, c, hw);
                    var gs = Plane(gy, i, ch, c, hw);
                    var mask = Mask(reluOutput, i, ch, c, hw);
                    var outs = Plane(gx, i, ch, c, hw);
                    if (batchStats)
                    {
                        // gx = k (gy - meanGy - (x - mu) inv meanGyXhat) = k gy + bx (x - mu) - k meanGy.
                        double meanGy = sumGy / m, meanGyXhat = sumGyXhat / m;
                        double bx = -k * inv * meanGyXhat;
                        ScaleAdd(gs, mask, xs, tMu, outs, T.CreateTruncating(k), T.CreateTruncating(bx), T.CreateTruncating(-k * meanGy));
                    }
                    else
                    {
                        ScaleAdd(gs, mask, xs, tMu, outs, T.CreateTruncating(k), T.Zero, T.Zero);
                    }
                }
            }
        });
    }

    // The HW plane of sample i, channel ch in a (N, C, HW) buffer.
    private static Span<T> Plane(T[] data, int i, int ch, int c, int hw) => data.AsSpan((int)(((long)i * c + ch) * hw), hw);

    // The plane of a ReLU output that masks gy, or an empty span (no mask).
    private static ReadOnlySpan<T> Mask(T[]? reluOutput, int i, int ch, int c, int hw) =>
        reluOutput is null ? ReadOnlySpan<T>.Empty : Plane(reluOutput, i, ch, c, hw);

    // g where the mask is positive (or everywhere when the mask is empty), else 0.
    private static Vector<T> Masked(Vector<T> grad, ReadOnlySpan<T> mask, int i) =>
        mask.IsEmpty ? grad : Vector.ConditionalSelect(Vector.GreaterThan(new Vector<T>(mask[i..]), Vector<T>.Zero), grad, Vector<T>.Zero);

    private static T Masked(T grad, ReadOnlySpan<T> mask, int i) =>
        mask.IsEmpty || mask[i] > T.Zero ? grad : T.Zero;

    // dst = (src - sub) * mul + add, then max(0, .) when relu; SIMD over the row.
    private static void ScaleShift(ReadOnlySpan<T> src, Span<T> dst, T sub, T mul, T add, bool relu)
    {
        int i = 0, w = Vector<T>.Count;
        var vs = new Vector<T>(sub);
        var vm = new Vector<T>(mul);
        var va = new Vector<T>(add);
        if (relu)
        {
            for (; i + w <= src.Length; i += w) Vector.Max((new Vector<T>(src[i..]) - vs) * vm + va, Vector<T>.Zero).CopyTo(dst[i..]);
            for (; i < src.Length; i++) dst[i] = T.Max((src[i] - sub) * mul + add, T.Zero);
            return;
        }
        for (; i + w <= src.Length; i += w) ((new Vector<T>(src[i..]) - vs) * vm + va).CopyTo(dst[i..]);
        for (; i < src.Length; i++) dst[i] = (src[i] - sub) * mul + add;
    }

    // Sum of a plane: Vector<T> lanes, then double.
    private static double Sum(ReadOnlySpan<T> src)
    {
        int i = 0, w = Vector<T>.Count;
        var acc = Vector<T>.Zero;
        for (; i + w <= src.Length; i += w) acc += new Vector<T>(src[i..]);
        double sum = double.CreateTruncating(Vector.Sum(acc));
        for (; i < src.Length; i++) sum += double.CreateTruncating(src[i]);
        return sum;
    }

    // Sum of (src - mean)^2 over a plane.
    private static double SumSquaredDeviations(ReadOnlySpan<T> src, T mean)
    {
        int i = 0, w = Vector<T>.Count;
        var acc = Vector<T>.Zero;
        var vm = new Vector<T>(mean);
        for (; i + w <= src.Length; i += w)
        {
            var d = new Vector<T>(src[i..]) - vm;
            acc += d * d;
        }
        double sum = double.CreateTruncating(Vector.Sum(acc));
        for (; i < src.Length; i++)
        {
            double d = double.CreateTruncating(src[i] - mean);
            sum += d * d;
        }
        return sum;
    }

    // (sum(g), sum(g * (x - mean))) over a plane, g masked (see Masked).
    private static (double Sum, double Dot) SumAndDot(ReadOnlySpan<T> grad, ReadOnlySpan<T> mask, ReadOnlySpan<T> x, T mean)
    {
        int i = 0, w = Vector<T>.Count;
        Vector<T> accG = Vector<T>.Zero, accD = Vector<T>.Zero;
        var vm = new Vector<T>(mean);
        for (; i + w <= grad.Length; i += w)
        {
            var vg = Masked(new Vector<T>(grad[i..]), mask, i);
            accG += vg;
            accD += vg * (new Vector<T>(x[i..]) - vm);
        }
        double sum = double.CreateTruncating(Vector.Sum(accG)), dot = double.CreateTruncating(Vector.Sum(accD));
        for (; i < grad.Length; i++)
        {
            var gi = Masked(grad[i], mask, i);
            sum += double.CreateTruncating(gi);
            dot += double.CreateTruncating(gi * (x[i] - mean));
        }
        return (sum, dot);
    }

    // dst = a * g + b * (x - mean) + c, g masked (see Masked), SIMD over the row.
    private static void ScaleAdd(ReadOnlySpan<T> grad, ReadOnlySpan<T> mask, ReadOnlySpan<T> x, T mean, Span<T> dst, T a, T b, T c)
    {
        int i = 0, w = Vector<T>.Count;
        var vm = new Vector<T>(mean);
        var va = new Vector<T>(a);
        var vb = new Vector<T>(b);
        var vc = new Vector<T>(c);
        for (; i + w <= grad.Length; i += w) (va * Masked(new Vector<T>(grad[i..]), mask, i) + vb * (new Vector<T>(x[i..]) - vm) + vc).CopyTo(dst[i..]);
        for (; i < grad.Length; i++) dst[i] = a * Masked(grad[i], mask, i) + b * (x[i] - mean) + c;
    }
}

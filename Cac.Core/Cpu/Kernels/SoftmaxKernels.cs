using System.Numerics;

namespace Cac.Cpu.Kernels;

// Softmax, log-softmax and fused softmax cross-entropy over rows: x, y, probs, gx: (rows, cols),
// labels: Int32 (rows), losses: (rows). Every row subtracts its maximum before exponentiating;
// row sums accumulate in double. Parallel over rows.
// GPU twin: Cac.Gpu/Kernels/SoftmaxKernels.cs.
// Checked against: Cac.Tests/Core/SoftmaxTests.cs, Cac.Tests/Core/CrossEntropyTests.cs,
//    Cac.Tests/PyTorch/CrossEntropyFixtureTests.cs.
internal static class SoftmaxKernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static void Softmax(T[] x, T[] y, int rows, int cols, bool log) =>
        ForRows(rows, cols, r =>
        {
            var xs = RowOf(x, r, cols);
            var ys = RowOf(y, r, cols);
            var (max, logSum) = LogSumExpParts(xs);
            if (log)
            {
                var shift = T.CreateTruncating(double.CreateTruncating(max) + logSum);
                for (int j = 0; j < cols; j++) ys[j] = xs[j] - shift;
            }
            else
            {
                double inv = Math.Exp(-logSum);
                for (int j = 0; j < cols; j++) ys[j] = T.CreateTruncating(Math.Exp(double.CreateTruncating(xs[j] - max)) * inv);
            }
        });

    // Softmax: gx = y * (gy - sum(gy * y)). Log-softmax: gx = gy - exp(y) * sum(gy).
    public static void SoftmaxBackward(T[] y, T[] gy, T[] gx, int rows, int cols, bool log) =>
        ForRows(rows, cols, r =>
        {
            var ys = RowOf(y, r, cols);
            var gs = RowOf(gy, r, cols);
            var outs = RowOf(gx, r, cols);
            double dot = 0;
            for (int j = 0; j < cols; j++) dot += log ? double.CreateTruncating(gs[j]) : double.CreateTruncating(gs[j] * ys[j]);
            var s = T.CreateTruncating(dot);
            if (log)
                for (int j = 0; j < cols; j++) outs[j] = gs[j] - T.Exp(ys[j]) * s;
            else
                for (int j = 0; j < cols; j++) outs[j] = ys[j] * (gs[j] - s);
        });

    // loss[r] = logsumexp(x[r]) - x[r, label[r]]; probs[r] = exp(x[r] - logsumexp(x[r])).
    public static void SoftmaxCrossEntropy(T[] logits, int[] labels, T[] losses, T[] probs, int rows, int cols) =>
        ForRows(rows, cols, r =>
        {
            var xs = RowOf(logits, r, cols);
            var ps = RowOf(probs, r, cols);
            var (max, logSum) = LogSumExpParts(xs);
            double inv = Math.Exp(-logSum);
            for (int j = 0; j < cols; j++) ps[j] = T.CreateTruncating(Math.Exp(double.CreateTruncating(xs[j] - max)) * inv);
            losses[r] = T.CreateTruncating(logSum - double.CreateTruncating(xs[labels[r]] - max));
        });

    // gx[r, j] = gLoss[r] * (probs[r, j] - [j == label[r]]).
    public static void SoftmaxCrossEntropyBackward(T[] probs, int[] labels, T[] gLosses, T[] gx, int rows, int cols) =>
        ForRows(rows, cols, r =>
        {
            var ps = RowOf(probs, r, cols);
            var outs = RowOf(gx, r, cols);
            var grad = gLosses[r];
            for (int j = 0; j < cols; j++) outs[j] = grad * ps[j];
            outs[labels[r]] -= grad;
        });

    // The maximum of a row and log(sum(exp(x - max))), the latter accumulated in double.
    private static (T Max, double LogSum) LogSumExpParts(ReadOnlySpan<T> xs)
    {
        var max = T.NegativeInfinity;
        foreach (var v in xs) if (v > max) max = v;
        double sum = 0;
        foreach (var v in xs) sum += Math.Exp(double.CreateTruncating(v - max));
        return (max, Math.Log(sum));
    }

    private static Span<T> RowOf(T[] data, int r, int cols) => data.AsSpan((int)((long)r * cols), cols);

    private static void ForRows(int rows, int cols, Action<int> body) =>
        CpuParallel.For(rows, Math.Max(1, CpuParallel.ElementwiseGrain / Math.Max(cols, 1)), (start, end) =>
        {
            for (long r = start; r < end; r++) body((int)r);
        });
}

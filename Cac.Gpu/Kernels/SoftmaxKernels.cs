using ILGPU;
using ILGPU.Algorithms;

namespace Cac.Gpu.Kernels;

// Softmax, log-softmax and fused softmax cross-entropy over rows: x, y, probs, gx: (rows, cols),
// labels: Int32 (rows), losses: (rows). One thread per row (grid-stride); every row subtracts its
// maximum before exponentiating. Formulas as the CPU twin's.
// CPU twin: Cac.Core/Cpu/Kernels/SoftmaxKernels.cs.
internal static class SoftmaxKernels
{
    private static float RowMax(ArrayView<float> x, int start, int cols)
    {
        float max = float.NegativeInfinity;
        for (int j = 0; j < cols; j++)
        {
            float v = x[start + j];
            if (v > max) max = v;
        }
        return max;
    }

    // log(sum(exp(x - max))) of one row.
    private static float LogSumShifted(ArrayView<float> x, int start, int cols, float max)
    {
        float sum = 0f;
        for (int j = 0; j < cols; j++) sum += XMath.Exp(x[start + j] - max);
        return XMath.Log(sum);
    }

    // Softmax: y = exp(x - max) / sum. Log-softmax: y = x - (max + log(sum)).
    public static void Forward(Index1D index, ArrayView<float> x, ArrayView<float> y, int rows, int cols, int log, int stride)
    {
        for (int r = index; r < rows; r += stride)
        {
            int start = r * cols;
            float max = RowMax(x, start, cols);
            float logSum = LogSumShifted(x, start, cols, max);
            if (log != 0)
            {
                float shift = max + logSum;
                for (int j = 0; j < cols; j++) y[start + j] = x[start + j] - shift;
            }
            else
            {
                float inv = XMath.Exp(-logSum);
                for (int j = 0; j < cols; j++) y[start + j] = XMath.Exp(x[start + j] - max) * inv;
            }
        }
    }

    // Softmax: gx = y * (gy - sum(gy * y)). Log-softmax: gx = gy - exp(y) * sum(gy).
    public static void Backward(Index1D index, ArrayView<float> y, ArrayView<float> gy, ArrayView<float> gx, int rows, int cols, int log, int stride)
    {
        for (int r = index; r < rows; r += stride)
        {
            int start = r * cols;
            float dot = 0f;
            for (int j = 0; j < cols; j++) dot += log != 0 ? gy[start + j] : gy[start + j] * y[start + j];
            for (int j = 0; j < cols; j++)
                gx[start + j] = log != 0 ? gy[start + j] - XMath.Exp(y[start + j]) * dot : y[start + j] * (gy[start + j] - dot);
        }
    }

    // loss[r] = logsumexp(x[r]) - x[r, label[r]]; probs[r] = softmax(x[r]).
    public static void CrossEntropy(Index1D index, ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> losses, ArrayView<float> probs, int rows, int cols, int stride)
    {
        for (int r = index; r < rows; r += stride)
        {
            int start = r * cols;
            float max = RowMax(logits, start, cols);
            float logSum = LogSumShifted(logits, start, cols, max);
            float inv = XMath.Exp(-logSum);
            for (int j = 0; j < cols; j++) probs[start + j] = XMath.Exp(logits[start + j] - max) * inv;
            losses[r] = logSum - (logits[start + labels[r]] - max);
        }
    }

    // gx[r, j] = gLoss[r] * probs[r, j] - (j == label[r] ? gLoss[r] : 0), elementwise over rows * cols.
    public static void CrossEntropyBackward(Index1D index, ArrayView<float> probs, ArrayView<int> labels, ArrayView<float> gLosses, ArrayView<float> gx, int cols, int n, int stride)
    {
        for (int e = index; e < n; e += stride)
        {
            int r = e / cols, j = e - r * cols;
            float grad = gLosses[r];
            float v = grad * probs[e];
            gx[e] = j == labels[r] ? v - grad : v;
        }
    }
}

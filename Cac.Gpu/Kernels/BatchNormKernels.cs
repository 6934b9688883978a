using ILGPU;
using ILGPU.Algorithms;

namespace Cac.Gpu.Kernels;

// Batch norm over x, y, gx, gy: (N, C, HW); gamma, beta, statistics: (C). The training kernels give
// each channel to one thread group (grid-stride over channels) that reduces over its m = N * HW
// elements with GroupReduce; formulas as Cac.Core/Cpu/CpuBackend.Norm.cs.
internal static class BatchNormKernels
{
    // Element j of channel ch: sample j / hw, pixel j % hw.
    private static int At(int j, int ch, int c, int hw)
    {
        int s = j / hw;
        return (s * c + ch) * hw + (j - s * hw);
    }

    // Two passes (mean, then squared deviations) for the biased variance; y = (x - mean) * invStd * gamma + beta;
    // running statistics move by momentum towards the batch mean and the unbiased variance.
    public static void TrainForward(ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> beta, ArrayView<float> y,
        ArrayView<float> saveMean, ArrayView<float> saveInvStd, ArrayView<float> runningMean, ArrayView<float> runningVar,
        int n, int c, int hw, float momentum, float eps)
    {
        var scratch = SharedMemory.Allocate<float>(GpuBackend.MaxGroupSize);
        int m = n * hw;
        for (int ch = Grid.IdxX; ch < c; ch += Grid.DimX)
        {
            float partial = 0f;
            for (int j = Group.IdxX; j < m; j += Group.DimX) partial += x[At(j, ch, c, hw)];
            float mean = m == 0 ? 0f : GroupReduce.Sum(scratch, partial) / m;
            partial = 0f;
            for (int j = Group.IdxX; j < m; j += Group.DimX)
            {
                float d = x[At(j, ch, c, hw)] - mean;
                partial += d * d;
            }
            float variance = m == 0 ? 0f : GroupReduce.Sum(scratch, partial) / m;
            float invStd = 1f / XMath.Sqrt(variance + eps);
            float scale = invStd * gamma[ch], shift = beta[ch];
            for (int j = Group.IdxX; j < m; j += Group.DimX)
            {
                int i = At(j, ch, c, hw);
                y[i] = (x[i] - mean) * scale + shift;
            }
            if (Group.IdxX == 0)
            {
                saveMean[ch] = mean;
                saveInvStd[ch] = invStd;
                float unbiased = m > 1 ? variance * m / (m - 1) : variance;
                runningMean[ch] = (1f - momentum) * runningMean[ch] + momentum * mean;
                runningVar[ch] = (1f - momentum) * runningVar[ch] + momentum * unbiased;
            }
        }
    }

    // y = (x - runningMean) * (gamma / sqrt(runningVar + eps)) + beta, elementwise.
    public static void EvalForward(Index1D index, ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> beta,
        ArrayView<float> runningMean, ArrayView<float> runningVar, ArrayView<float> y, int c, int hw, float eps, int total, int stride)
    {
        for (int i = index; i < total; i += stride)
        {
            int ch = i / hw % c;
            float scale = 1f / XMath.Sqrt(runningVar[ch] + eps) * gamma[ch];
            y[i] = (x[i] - runningMean[ch]) * scale + beta[ch];
        }
    }

    // xhat = (x - mean) * invStd; gGamma = sum(gy * xhat), gBeta = sum(gy).
    // Batch statistics: gx = gamma * invStd * (gy - sum(gy) / m - xhat * sum(gy * xhat) / m); else gx = gy * gamma * invStd.
    public static void Backward(ArrayView<float> x, ArrayView<float> gy, ArrayView<float> gamma, ArrayView<float> mean, ArrayView<float> invStd,
        ArrayView<float> gx, ArrayView<float> gGamma, ArrayView<float> gBeta, int n, int c, int hw, int batchStats)
    {
        var scratch = SharedMemory.Allocate<float>(GpuBackend.MaxGroupSize);
        int m = n * hw;
        for (int ch = Grid.IdxX; ch < c; ch += Grid.DimX)
        {
            float mu = mean[ch], inv = invStd[ch];
            float partialGy = 0f, partialGyXhat = 0f;
            for (int j = Group.IdxX; j < m; j += Group.DimX)
            {
                int i = At(j, ch, c, hw);
                partialGy += gy[i];
                partialGyXhat += gy[i] * (x[i] - mu) * inv;
            }
            float sumGy = GroupReduce.Sum(scratch, partialGy);
            float sumGyXhat = GroupReduce.Sum(scratch, partialGyXhat);
            if (Group.IdxX == 0)
            {
                gGamma[ch] = sumGyXhat;
                gBeta[ch] = sumGy;
            }
            float k = gamma[ch] * inv;
            float meanGy = m == 0 ? 0f : sumGy / m, meanGyXhat = m == 0 ? 0f : sumGyXhat / m;
            for (int j = Group.IdxX; j < m; j += Group.DimX)
            {
                int i = At(j, ch, c, hw);
                gx[i] = batchStats != 0 ? k * (gy[i] - meanGy - (x[i] - mu) * inv * meanGyXhat) : k * gy[i];
            }
        }
    }
}

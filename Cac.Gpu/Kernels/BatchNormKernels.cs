using ILGPU;
using ILGPU.Algorithms;

namespace Cac.Gpu.Kernels;

// Batch norm over x, y, gx, gy: (N, C, HW); gamma, beta, statistics: (C); formulas as the CPU twin's.
// The training reductions run in three launches so that a few channels of many elements still fill the device:
// each channel's m = N * HW elements are cut into `slices` slices, one thread group reduces one (channel, slice)
// into `partials` (C, slices, 2); one thread per channel combines its slices; an elementwise kernel applies the result.
// CPU twin: Cac.Core/Cpu/Kernels/BatchNormKernels.cs.
internal static class BatchNormKernels
{
    // Split the channels' elements until about this many groups per multiprocessor have work, keeping slices of at least MinSlice.
    private const int GroupsPerMultiprocessor = 4, MinSlice = 1024;

    /// <summary>How many slices each channel's <paramref name="m"/> elements are cut into (1 when the channels fill the device).</summary>
    public static int SlicesFor(int c, int m, int multiprocessors)
    {
        long target = (long)GroupsPerMultiprocessor * Math.Max(1, multiprocessors);
        long wanted = (target + c - 1) / Math.Max(1, c);
        return (int)Math.Clamp(wanted, 1, Math.Max(1, m / MinSlice));
    }

    /// <summary>Elements per slice: the slices cover m.</summary>
    public static int SliceLength(int m, int slices) => (m + slices - 1) / slices;

    // Element j of channel ch: sample j / hw, pixel j % hw.
    private static int At(int j, int ch, int c, int hw)
    {
        int s = j / hw;
        return (s * c + ch) * hw + (j - s * hw);
    }

    // (Math.Clamp throws on bad bounds, which a kernel cannot compile.)
    private static int SliceCount(int m, int slice, int length) => Math.Max(0, Math.Min(m - slice * length, length));

    // partials[(ch, s)] = (mean of the slice, sum of squared deviations from it): two passes within the slice.
    public static void SliceMoments(ArrayView<float> x, ArrayView<float> partials, int c, int hw, int m, int slices, int length)
    {
        var scratch = SharedMemory.Allocate<float>(GpuBackend.MaxGroupSize);
        for (int work = Grid.IdxX; work < c * slices; work += Grid.DimX)
        {
            int ch = work / slices, begin = work % slices * length, count = SliceCount(m, work % slices, length), end = begin + count;
            float partial = 0f;
            for (int j = begin + Group.IdxX; j < end; j += Group.DimX) partial += x[At(j, ch, c, hw)];
            float sum = GroupReduce.Sum(scratch, partial);
            float mean = count == 0 ? 0f : sum / count;
            partial = 0f;
            for (int j = begin + Group.IdxX; j < end; j += Group.DimX)
            {
                float d = x[At(j, ch, c, hw)] - mean;
                partial += d * d;
            }
            float squares = GroupReduce.Sum(scratch, partial);
            if (Group.IdxX == 0)
            {
                partials[2 * work] = mean;
                partials[2 * work + 1] = squares;
            }
        }
    }

    // Per channel: combines the slices' moments (Chan et al.: M2 = sum M2_s + n_s (mean_s - mean)^2) into the biased
    // variance; saves mean and 1 / sqrt(var + eps); running statistics move by momentum towards the mean and the unbiased variance.
    public static void FinishMoments(Index1D index, ArrayView<float> partials, ArrayView<float> saveMean, ArrayView<float> saveInvStd,
        ArrayView<float> runningMean, ArrayView<float> runningVar, int c, int m, int slices, int length, float momentum, float eps, int stride)
    {
        for (int ch = index; ch < c; ch += stride)
        {
            float total = 0f;
            for (int s = 0; s < slices; s++) total += SliceCount(m, s, length) * partials[2 * (ch * slices + s)];
            float mean = m == 0 ? 0f : total / m, squares = 0f;
            for (int s = 0; s < slices; s++)
            {
                float d = partials[2 * (ch * slices + s)] - mean;
                squares += partials[2 * (ch * slices + s) + 1] + SliceCount(m, s, length) * d * d;
            }
            float variance = m == 0 ? 0f : squares / m;
            saveMean[ch] = mean;
            saveInvStd[ch] = 1f / XMath.Sqrt(variance + eps);
            float unbiased = m > 1 ? variance * m / (m - 1) : variance;
            runningMean[ch] = (1f - momentum) * runningMean[ch] + momentum * mean;
            runningVar[ch] = (1f - momentum) * runningVar[ch] + momentum * unbiased;
        }
    }

    // y = (x - mean) * (invStd * gamma) + beta, elementwise, then max(0, y) when relu != 0; invStd is 1 / sqrt(var + eps)
    // already (training: the saved batch statistics) or computed from the running variance (evaluation: fromVariance = 1).
    public static void Normalize(Index1D index, ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> beta,
        ArrayView<float> mean, ArrayView<float> scaleSource, ArrayView<float> y, int c, int hw, float eps, int fromVariance, int relu, int total, int stride)
    {
        for (int i = index; i < total; i += stride)
        {
            int ch = i / hw % c;
            float invStd = fromVariance != 0 ? 1f / XMath.Sqrt(scaleSource[ch] + eps) : scaleSource[ch];
            float v = (x[i] - mean[ch]) * (invStd * gamma[ch]) + beta[ch];
            y[i] = relu != 0 && v < 0f ? 0f : v; // NaN stays NaN, as on the CPU
        }
    }

    /// <summary>InputGradient flags: the statistics depend on x (training); a ReLU followed the batch norm.</summary>
    public const int BatchStats = 1, Relu = 2;

    // gy where the ReLU output is positive (or everywhere when there was no ReLU), else 0.
    private static float Masked(ArrayView<float> gy, ArrayView<float> reluOutput, int relu, int i) =>
        relu == 0 || reluOutput[i] > 0f ? gy[i] : 0f;

    // partials[(ch, s)] = (sum of gy, sum of gy * xhat) over the slice, xhat = (x - mean) * invStd; gy masked (see Masked).
    public static void SliceGradientSums(ArrayView<float> x, ArrayView<float> gy, ArrayView<float> reluOutput, ArrayView<float> mean, ArrayView<float> invStd,
        ArrayView<float> partials, int c, int hw, int m, int slices, int length, int relu)
    {
        var scratch = SharedMemory.Allocate<float>(GpuBackend.MaxGroupSize);
        for (int work = Grid.IdxX; work < c * slices; work += Grid.DimX)
        {
            int ch = work / slices, begin = work % slices * length, end = begin + SliceCount(m, work % slices, length);
            float mu = mean[ch], inv = invStd[ch];
            float partialGy = 0f, partialGyXhat = 0f;
            for (int j = begin + Group.IdxX; j < end; j += Group.DimX)
            {
                int i = At(j, ch, c, hw);
                float grad = Masked(gy, reluOutput, relu, i);
                partialGy += grad;
                partialGyXhat += grad * (x[i] - mu) * inv;
            }
            float sumGy = GroupReduce.Sum(scratch, partialGy);
            float sumGyXhat = GroupReduce.Sum(scratch, partialGyXhat);
            if (Group.IdxX == 0)
            {
                partials[2 * work] = sumGy;
                partials[2 * work + 1] = sumGyXhat;
            }
        }
    }

    // Per channel: gBeta = sum(gy), gGamma = sum(gy * xhat) over the slices.
    public static void FinishGradientSums(Index1D index, ArrayView<float> partials, ArrayView<float> gGamma, ArrayView<float> gBeta,
        int c, int slices, int stride)
    {
        for (int ch = index; ch < c; ch += stride)
        {
            float sumGy = 0f, sumGyXhat = 0f;
            for (int s = 0; s < slices; s++)
            {
                sumGy += partials[2 * (ch * slices + s)];
                sumGyXhat += partials[2 * (ch * slices + s) + 1];
            }
            gBeta[ch] = sumGy;
            gGamma[ch] = sumGyXhat;
        }
    }

    // Batch statistics: gx = gamma * invStd * (gy - sum(gy) / m - xhat * sum(gy * xhat) / m); else gx = gy * gamma * invStd.
    // The sums are read from gBeta and gGamma (FinishGradientSums); gy masked (see Masked). flags: BatchStats | Relu.
    public static void InputGradient(Index1D index, ArrayView<float> x, ArrayView<float> gy, ArrayView<float> reluOutput, ArrayView<float> gamma,
        ArrayView<float> mean, ArrayView<float> invStd, ArrayView<float> gGamma, ArrayView<float> gBeta, ArrayView<float> gx,
        int c, int hw, int flags, int total, int stride)
    {
        int m = total / c; // N * HW
        int batchStats = flags & BatchStats, relu = flags & Relu;
        for (int i = index; i < total; i += stride)
        {
            int ch = i / hw % c;
            float inv = invStd[ch], k = gamma[ch] * inv, grad = Masked(gy, reluOutput, relu, i);
            if (batchStats == 0)
            {
                gx[i] = k * grad;
                continue;
            }
            float meanGy = gBeta[ch] / m, meanGyXhat = gGamma[ch] / m;
            gx[i] = k * (grad - meanGy - (x[i] - mean[ch]) * inv * meanGyXhat);
        }
    }
}

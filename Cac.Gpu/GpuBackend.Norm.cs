using ILGPU;
using ILGPU.Runtime;
using Cac.Gpu.Kernels;

namespace Cac.Gpu;

// Batch norm: the training forward and backward reduce each channel in slices (Kernels/BatchNormKernels.cs: one group
// per channel slice, one thread per channel to combine, then elementwise); eval is elementwise. A ReLU after the batch
// norm is fused into the elementwise kernels (forward) and into the gradient reads (backward).
public sealed partial class GpuBackend
{
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int, int, int, int>? _bnSliceMoments;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        int, int, int, int, float, float, int>? _bnFinishMoments;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        int, int, float, int, int, int, int>? _bnNormalize;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        int, int, int, int, int, int>? _bnSliceGradientSums;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>? _bnFinishGradientSums;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int>? _bnInputGradient;

    /// <inheritdoc />
    public void BatchNormTrainForward(Storage x, Storage gamma, Storage beta, Storage y, Storage saveMean, Storage saveInvStd,
        Storage runningMean, Storage runningVar, int n, int c, int hw, double momentum, double eps, bool relu)
    {
        if (c == 0) return;
        int m = Int((long)n * hw), total = Int((long)n * c * hw);
        int slices = BatchNormKernels.SlicesFor(c, m, _accelerator.NumMultiprocessors), length = BatchNormKernels.SliceLength(m, slices);
        using var partials = Rent(DType.Float32, 2L * c * slices);
        _bnSliceMoments ??= Profiled(_accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int, int, int, int>(BatchNormKernels.SliceMoments));
        _bnSliceMoments(GroupConfig((long)c * slices), Floats(x), Floats(partials), c, hw, m, slices, length);
        _bnFinishMoments ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            int, int, int, int, float, float, int>(BatchNormKernels.FinishMoments));
        _bnFinishMoments(Threads(c), Floats(partials), Floats(saveMean), Floats(saveInvStd), Floats(runningMean), Floats(runningVar), c, m, slices, length, (float)momentum, (float)eps, Threads(c));
        Normalize(x, gamma, beta, saveMean, saveInvStd, y, c, hw, eps, fromVariance: false, relu, total);
    }

    /// <inheritdoc />
    public void BatchNormEvalForward(Storage x, Storage gamma, Storage beta, Storage runningMean, Storage runningVar, Storage y,
        int n, int c, int hw, double eps) =>
        Normalize(x, gamma, beta, runningMean, runningVar, y, c, hw, eps, fromVariance: true, relu: false, Int((long)n * c * hw));

    // y = (x - mean) * invStd * gamma + beta (then max(0, y) when relu), with invStd given or (fromVariance) computed from a variance.
    private void Normalize(Storage x, Storage gamma, Storage beta, Storage mean, Storage scaleSource, Storage y, int c, int hw, double eps,
        bool fromVariance, bool relu, int total)
    {
        if (total == 0) return;
        _bnNormalize ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            int, int, float, int, int, int, int>(BatchNormKernels.Normalize));
        _bnNormalize(Threads(total), Floats(x), Floats(gamma), Floats(beta), Floats(mean), Floats(scaleSource), Floats(y), c, hw, (float)eps, fromVariance ? 1 : 0, relu ? 1 : 0, total, Threads(total));
    }

    /// <inheritdoc />
    public void BatchNormBackward(Storage x, Storage? reluOutput, Storage gy, Storage gamma, Storage mean, Storage invStd,
        Storage gx, Storage gGamma, Storage gBeta, int n, int c, int hw, bool batchStats)
    {
        if (c == 0) return;
        int m = Int((long)n * hw), total = Int((long)n * c * hw);
        int slices = BatchNormKernels.SlicesFor(c, m, _accelerator.NumMultiprocessors), length = BatchNormKernels.SliceLength(m, slices);
        using var partials = Rent(DType.Float32, 2L * c * slices);
        // Without a ReLU the mask view is never read: gy stands in for it.
        var mask = Floats(reluOutput ?? gy);
        int relu = reluOutput is null ? 0 : 1;
        _bnSliceGradientSums ??= Profiled(_accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, int, int, int, int, int, int>(BatchNormKernels.SliceGradientSums));
        _bnSliceGradientSums(GroupConfig((long)c * slices), Floats(x), Floats(gy), mask, Floats(mean), Floats(invStd), Floats(partials), c, hw, m, slices, length, relu);
        _bnFinishGradientSums ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(
            BatchNormKernels.FinishGradientSums));
        _bnFinishGradientSums(Threads(c), Floats(partials), Floats(gGamma), Floats(gBeta), c, slices, Threads(c));
        if (total == 0) return;
        _bnInputGradient ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int>(BatchNormKernels.InputGradient));
        int flags = (batchStats ? BatchNormKernels.BatchStats : 0) | (relu != 0 ? BatchNormKernels.Relu : 0);
        _bnInputGradient(Threads(total), Floats(x), Floats(gy), mask, Floats(gamma), Floats(mean), Floats(invStd), Floats(gGamma), Floats(gBeta), Floats(gx), c, hw, flags, total, Threads(total));
    }
}

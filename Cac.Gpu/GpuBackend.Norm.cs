using ILGPU;
using ILGPU.Runtime;
using Cac.Gpu.Kernels;

namespace Cac.Gpu;

// Batch norm: training forward and backward reduce per channel (one group per channel); eval is elementwise.
public sealed partial class GpuBackend
{
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, int, int, int, float, float>? _bnTrain;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        int, int, float, int, int>? _bnEval;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, int, int, int, int>? _bnBackward;

    /// <inheritdoc />
    public void BatchNormTrainForward(Storage x, Storage gamma, Storage beta, Storage y, Storage saveMean, Storage saveInvStd,
        Storage runningMean, Storage runningVar, int n, int c, int hw, double momentum, double eps)
    {
        if (c == 0) return;
        Int((long)n * c * hw);
        _bnTrain ??= Profiled(_accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, int, int, int, float, float>(BatchNormKernels.TrainForward));
        _bnTrain(GroupConfig(c), F(x), F(gamma), F(beta), F(y), F(saveMean), F(saveInvStd), F(runningMean), F(runningVar), n, c, hw, (float)momentum, (float)eps);
    }

    /// <inheritdoc />
    public void BatchNormEvalForward(Storage x, Storage gamma, Storage beta, Storage runningMean, Storage runningVar, Storage y,
        int n, int c, int hw, double eps)
    {
        int total = Int((long)n * c * hw);
        if (total == 0) return;
        _bnEval ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            int, int, float, int, int>(BatchNormKernels.EvalForward));
        _bnEval(Threads(total), F(x), F(gamma), F(beta), F(runningMean), F(runningVar), F(y), c, hw, (float)eps, total, Threads(total));
    }

    /// <inheritdoc />
    public void BatchNormBackward(Storage x, Storage gy, Storage gamma, Storage mean, Storage invStd,
        Storage gx, Storage gGamma, Storage gBeta, int n, int c, int hw, bool batchStats)
    {
        if (c == 0) return;
        Int((long)n * c * hw);
        _bnBackward ??= Profiled(_accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, int, int, int, int>(BatchNormKernels.Backward));
        _bnBackward(GroupConfig(c), F(x), F(gy), F(gamma), F(mean), F(invStd), F(gx), F(gGamma), F(gBeta), n, c, hw, batchStats ? 1 : 0);
    }
}

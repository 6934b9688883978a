using ILGPU;
using ILGPU.Runtime;
using Cac.Gpu.Kernels;

namespace Cac.Gpu;

// Dropout masks and optimizer steps: elementwise kernels with host-folded scalars.
public sealed partial class GpuBackend
{
    private Action<Index1D, ArrayView<float>, ulong, ulong, float, int, int>? _dropout;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, SgdArgs, int, int>? _sgd;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamArgs, int, int>? _adam;

    /// <inheritdoc />
    public void DropoutMask(Storage mask, double p, ulong seed)
    {
        int n = Int(mask.Length);
        if (n == 0) return;
        // u < p with u = k * 2^-53 (k an integer) holds exactly when k < ceil(p * 2^53).
        double scaled = Math.Ceiling(p * (1UL << 53));
        ulong threshold = scaled <= 0 ? 0UL : scaled >= 1UL << 53 ? 1UL << 53 : (ulong)scaled;
        _dropout ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ulong, ulong, float, int, int>(DropoutKernel.Mask));
        _dropout(Threads(n), Floats(mask), seed, threshold, (float)(1.0 / (1.0 - p)), n, Threads(n));
    }

    /// <inheritdoc />
    public void SgdStep(Storage param, Storage grad, Storage? momentumBuffer, double lr, double momentum, double dampening, double weightDecay, bool nesterov, bool firstStep)
    {
        int n = Int(param.Length);
        if (n == 0) return;
        bool useBuffer = momentumBuffer is not null && momentum != 0;
        var args = new SgdArgs
        {
            Lr = (float)lr, Momentum = (float)momentum, OneMinusDampening = 1f - (float)dampening, WeightDecay = (float)weightDecay,
            UseBuffer = useBuffer ? 1 : 0, Nesterov = nesterov ? 1 : 0, FirstStep = firstStep ? 1 : 0,
        };
        _sgd ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, SgdArgs, int, int>(OptimizerKernels.Sgd));
        // Without a buffer the kernel never touches its third view: pass the gradient as a stand-in.
        _sgd(Threads(n), Floats(param), Floats(grad), useBuffer ? Floats(momentumBuffer!) : Floats(grad), args, n, Threads(n));
    }

    /// <inheritdoc />
    public void AdamStep(Storage param, Storage grad, Storage m, Storage v, double lr, double beta1, double beta2, double eps, double weightDecay, bool decoupledWeightDecay, long step)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "Adam step numbers start at 1");
        int n = Int(param.Length);
        if (n == 0) return;
        double bc1 = 1 - Math.Pow(beta1, step), bc2 = 1 - Math.Pow(beta2, step);
        float b1 = (float)beta1, b2 = (float)beta2;
        var args = new AdamArgs
        {
            StepSize = (float)(lr / bc1), InvBc2Sqrt = (float)(1 / Math.Sqrt(bc2)), Eps = (float)eps,
            Beta1 = b1, Beta2 = b2, OneMinusBeta1 = 1f - b1, OneMinusBeta2 = 1f - b2,
            Decay = decoupledWeightDecay ? (float)(1 - lr * weightDecay) : 1f,
            CoupledWeightDecay = decoupledWeightDecay ? 0f : (float)weightDecay,
        };
        _adam ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamArgs, int, int>(OptimizerKernels.Adam));
        _adam(Threads(n), Floats(param), Floats(grad), Floats(m), Floats(v), args, n, Threads(n));
    }
}

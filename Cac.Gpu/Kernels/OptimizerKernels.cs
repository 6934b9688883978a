using ILGPU;
using ILGPU.Algorithms;

namespace Cac.Gpu.Kernels;

/// <summary>SGD hyper-parameters in float, as the CPU backend rounds them.</summary>
internal struct SgdArgs
{
    public float Lr, Momentum, OneMinusDampening, WeightDecay;
    public int UseBuffer, Nesterov, FirstStep;
}

/// <summary>Adam hyper-parameters in float, bias corrections folded in on the host (in double) as the CPU backend.</summary>
internal struct AdamArgs
{
    public float StepSize, InvBc2Sqrt, Eps, Beta1, Beta2, OneMinusBeta1, OneMinusBeta2, Decay, CoupledWeightDecay;
}

// Optimizer steps: one fused elementwise pass over a parameter, its gradient and its state, in place.
// Formulas as the CPU twin's (PyTorch's semantics and order of operations).
// CPU twin: Cac.Core/Cpu/Kernels/OptimizerKernels.cs.
internal static class OptimizerKernels
{
    // g = grad + wd p; buf = first ? g : mom buf + (1 - damp) g; step = nesterov ? g + mom buf : buf; p -= lr step.
    public static void Sgd(Index1D index, ArrayView<float> p, ArrayView<float> grad, ArrayView<float> buf, SgdArgs a, int n, int stride)
    {
        for (int i = index; i < n; i += stride)
        {
            float gradient = grad[i] + a.WeightDecay * p[i];
            float step = gradient;
            if (a.UseBuffer != 0)
            {
                float b = a.FirstStep != 0 ? gradient : a.Momentum * buf[i] + a.OneMinusDampening * gradient;
                buf[i] = b;
                step = a.Nesterov != 0 ? gradient + a.Momentum * b : b;
            }
            p[i] -= a.Lr * step;
        }
    }

    // AdamW: p *= decay; Adam: g += wd p. m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= stepSize m / (sqrt(v) invBc2Sqrt + eps).
    public static void Adam(Index1D index, ArrayView<float> p, ArrayView<float> grad, ArrayView<float> m, ArrayView<float> v, AdamArgs a, int n, int stride)
    {
        for (int i = index; i < n; i += stride)
        {
            float pi = p[i] * a.Decay;
            float gradient = grad[i] + a.CoupledWeightDecay * pi;
            float mi = a.Beta1 * m[i] + a.OneMinusBeta1 * gradient;
            float vi = a.Beta2 * v[i] + a.OneMinusBeta2 * gradient * gradient;
            m[i] = mi;
            v[i] = vi;
            p[i] = pi - a.StepSize * mi / (XMath.Sqrt(vi) * a.InvBc2Sqrt + a.Eps);
        }
    }
}

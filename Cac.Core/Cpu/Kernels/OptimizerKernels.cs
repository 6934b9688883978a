using System.Numerics;

namespace Cac.Cpu.Kernels;

// Optimizer steps: one fused pass over a parameter, its gradient and its state buffers, in place.
// param, grad, buffers: same length and dtype. SIMD over Vector<T>, a scalar tail, split over cores.
// GPU twin: Cac.Gpu/Kernels/OptimizerKernels.cs.
// Checked against: Cac.Tests/Optim/OptimizerTests.cs, Cac.Tests/PyTorch/SgdFixtureTests.cs.
internal static class OptimizerKernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const long OptimGrain = 1 << 14;

    // g = grad + wd * p; buf = first ? g : mom * buf + (1 - damp) * g; step = nesterov ? g + mom * buf : buf; p -= lr * step.
    public static void SgdStep(T[] p, T[] grad, T[]? buf, double lr, double momentum, double dampening, double weightDecay, bool nesterov, bool firstStep)
    {
        T tLr = T.CreateChecked(lr), tMom = T.CreateChecked(momentum), tDamp = T.One - T.CreateChecked(dampening), tWd = T.CreateChecked(weightDecay);
        bool useBuf = buf is not null && momentum != 0;
        CpuParallel.For(p.LongLength, OptimGrain, (start, end) =>
        {
            int i = (int)start, n = (int)end;
            var vLr = new Vector<T>(tLr); var vMom = new Vector<T>(tMom); var vDamp = new Vector<T>(tDamp); var vWd = new Vector<T>(tWd);
            for (; i + Vector<T>.Count <= n; i += Vector<T>.Count)
            {
                var vp = new Vector<T>(p.AsSpan(i));
                var gradient = new Vector<T>(grad.AsSpan(i)) + vWd * vp;
                var step = gradient;
                if (useBuf)
                {
                    var b = firstStep ? gradient : vMom * new Vector<T>(buf!.AsSpan(i)) + vDamp * gradient;
                    b.CopyTo(buf!.AsSpan(i));
                    step = nesterov ? gradient + vMom * b : b;
                }
                (vp - vLr * step).CopyTo(p.AsSpan(i));
            }
            for (; i < n; i++)
            {
                T gradient = grad[i] + tWd * p[i];
                T step = gradient;
                if (useBuf)
                {
                    T b = firstStep ? gradient : tMom * buf![i] + tDamp * gradient;
                    buf![i] = b;
                    step = nesterov ? gradient + tMom * b : b;
                }
                p[i] -= tLr * step;
            }
        });
    }

    // AdamW: p *= 1 - lr * wd. Adam: g += wd * p. Then m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    // p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps), bc_i = 1 - b_i^step (PyTorch's order of operations).
    public static void AdamStep(T[] p, T[] grad, T[] m, T[] v, double lr, double beta1, double beta2, double eps, double weightDecay, bool decoupled, long step)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "Adam step numbers start at 1");
        double bc1 = 1 - Math.Pow(beta1, step), bc2 = 1 - Math.Pow(beta2, step);
        T stepSize = T.CreateChecked(lr / bc1), invBc2Sqrt = T.CreateChecked(1 / Math.Sqrt(bc2)), tEps = T.CreateChecked(eps);
        T b1 = T.CreateChecked(beta1), b2 = T.CreateChecked(beta2), c1 = T.One - b1, c2 = T.One - b2;
        T decay = decoupled ? T.CreateChecked(1 - lr * weightDecay) : T.One;
        T coupledWd = decoupled ? T.Zero : T.CreateChecked(weightDecay);
        CpuParallel.For(p.LongLength, OptimGrain, (start, end) =>
        {
            int i = (int)start, n = (int)end;
            var vB1 = new Vector<T>(b1); var vB2 = new Vector<T>(b2); var vC1 = new Vector<T>(c1); var vC2 = new Vector<T>(c2);
            var vStep = new Vector<T>(stepSize); var vInv = new Vector<T>(invBc2Sqrt); var vEps = new Vector<T>(tEps);
            var vDecay = new Vector<T>(decay); var vWd = new Vector<T>(coupledWd);
            for (; i + Vector<T>.Count <= n; i += Vector<T>.Count)
            {
                var vp = new Vector<T>(p.AsSpan(i)) * vDecay;
                var gradient = new Vector<T>(grad.AsSpan(i)) + vWd * vp;
                var vm = vB1 * new Vector<T>(m.AsSpan(i)) + vC1 * gradient;
                var vv = vB2 * new Vector<T>(v.AsSpan(i)) + vC2 * gradient * gradient;
                vm.CopyTo(m.AsSpan(i));
                vv.CopyTo(v.AsSpan(i));
                (vp - vStep * vm / (Vector.SquareRoot(vv) * vInv + vEps)).CopyTo(p.AsSpan(i));
            }
            for (; i < n; i++)
            {
                T pi = p[i] * decay;
                T gradient = grad[i] + coupledWd * pi;
                T mi = b1 * m[i] + c1 * gradient;
                T vi = b2 * v[i] + c2 * gradient * gradient;
                m[i] = mi;
                v[i] = vi;
                p[i] = pi - stepSize * mi / (T.Sqrt(vi) * invBc2Sqrt + tEps);
            }
        });
    }
}

using Cac.Optim;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Optim;

public class OptimizerTests
{
    private static readonly double[] P0 = [1.0, -2.0, 0.5];

    private static readonly double[][] Grads =
    [
        [0.1, -0.3, 0.7],
        [-0.2, 0.4, 0.05],
        [0.3, 0.3, -0.6],
    ];

    // Runs three steps with the fixed gradients on a 3-element parameter of the given dtype.
    private static double[] Run(Func<Tensor, Optimizer> create, DType dtype = DType.Float64)
    {
        var p = Tensor.FromArray(P0, [3]).To(dtype);
        p.RequiresGrad = true;
        var opt = create(p);
        foreach (var grad in Grads)
        {
            p.Grad = Tensor.FromArray(grad, [3]).To(dtype);
            opt.Step();
        }
        opt.StepCount.Should().Be(3);
        return p.ToDoubleArray();
    }

    // torch.optim.SGD for one element, written out.
    private static double[] SgdReference(double lr, double momentum, double dampening, double wd, bool nesterov)
    {
        var result = new double[3];
        for (int i = 0; i < 3; i++)
        {
            double p = P0[i], buf = 0;
            for (int t = 0; t < Grads.Length; t++)
            {
                double grad = Grads[t][i] + wd * p;
                if (momentum != 0)
                {
                    buf = t == 0 ? grad : momentum * buf + (1 - dampening) * grad;
                    grad = nesterov ? grad + momentum * buf : buf;
                }
                p -= lr * grad;
            }
            result[i] = p;
        }
        return result;
    }

    // torch.optim.Adam / AdamW for one element, written out.
    private static double[] AdamReference(double lr, double b1, double b2, double eps, double wd, bool decoupled)
    {
        var result = new double[3];
        for (int i = 0; i < 3; i++)
        {
            double p = P0[i], m = 0, v = 0;
            for (int t = 1; t <= Grads.Length; t++)
            {
                double grad = Grads[t - 1][i];
                if (decoupled) p *= 1 - lr * wd;
                else grad += wd * p;
                m = b1 * m + (1 - b1) * grad;
                v = b2 * v + (1 - b2) * grad * grad;
                double mHat = m / (1 - Math.Pow(b1, t)), vHat = v / (1 - Math.Pow(b2, t));
                p -= lr * mHat / (Math.Sqrt(vHat) + eps);
            }
            result[i] = p;
        }
        return result;
    }

    [Theory]
    [InlineData(0.1, 0.0, 0.0, 0.0, false)]    // plain
    [InlineData(0.1, 0.9, 0.0, 0.0, false)]    // momentum
    [InlineData(0.1, 0.9, 0.2, 0.01, false)]   // dampening and weight decay
    [InlineData(0.1, 0.9, 0.0, 0.01, true)]    // Nesterov
    [InlineData(0.05, 0.0, 0.0, 0.1, false)]   // weight decay only
    public void Sgd_matches_pytorch_update_over_three_steps(double lr, double momentum, double dampening, double wd, bool nesterov)
    {
        var actual = Run(p => new Sgd([p], lr, momentum, dampening, wd, nesterov));
        actual.Should().Equal(SgdReference(lr, momentum, dampening, wd, nesterov), (a, e) => Math.Abs(a - e) < 1e-14);
    }

    [Fact]
    public void Sgd_reference_agrees_with_values_printed_by_pytorch()
    {
        // torch.optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.01) after the three steps above (PyTorch 1.13, float64).
        double[] torch = [0.97429127296, -1.99351293952, 0.34840279488];
        Run(p => new Sgd([p], 0.1, 0.9, 0.2, 0.01)).Should().Equal(torch, (a, e) => Math.Abs(a - e) < 1e-12);
    }

    [Theory]
    [InlineData(0.01, 0.9, 0.999, 1e-8, 0.0)]
    [InlineData(0.01, 0.8, 0.99, 1e-3, 0.1)]
    public void Adam_matches_pytorch_update_over_three_steps(double lr, double b1, double b2, double eps, double wd)
    {
        var actual = Run(p => new Adam([p], lr, b1, b2, eps, wd));
        actual.Should().Equal(AdamReference(lr, b1, b2, eps, wd, decoupled: false), (a, e) => Math.Abs(a - e) < 1e-14);
    }

    [Fact]
    public void AdamW_decays_weights_directly_and_matches_pytorch_over_three_steps()
    {
        var actual = Run(p => new AdamW([p], lr: 0.01, weightDecay: 0.1));
        actual.Should().Equal(AdamReference(0.01, 0.9, 0.999, 1e-8, 0.1, decoupled: true), (a, e) => Math.Abs(a - e) < 1e-14);
        // And it differs from Adam's L2 form.
        actual.Zip(Run(p => new Adam([p], lr: 0.01, weightDecay: 0.1))).Should().Contain(t => Math.Abs(t.First - t.Second) > 1e-6);
    }

    [Fact]
    public void Adam_and_AdamW_references_agree_with_values_printed_by_pytorch()
    {
        // torch.optim.Adam([p], lr=0.01, weight_decay=0.1) and AdamW([p], lr=0.01, weight_decay=0.1), PyTorch 1.13, float64.
        double[] adam = [0.980811594663504, -1.9851287450185322, 0.4813940190006537];
        double[] adamw = [0.9872479533577363, -1.9905299121804536, 0.4812316541924327];
        Run(p => new Adam([p], lr: 0.01, weightDecay: 0.1)).Should().Equal(adam, (a, e) => Math.Abs(a - e) < 1e-12);
        Run(p => new AdamW([p], lr: 0.01, weightDecay: 0.1)).Should().Equal(adamw, (a, e) => Math.Abs(a - e) < 1e-12);
    }

    [Fact]
    public void Float32_kernels_agree_with_float64_to_single_precision()
    {
        // 3 elements exercise the scalar tail; a long parameter exercises the SIMD body.
        Run(p => new Adam([p], lr: 0.01, weightDecay: 0.1), DType.Float32)
            .Should().Equal(AdamReference(0.01, 0.9, 0.999, 1e-8, 0.1, false), (a, e) => Math.Abs(a - e) < 1e-6);
        Run(p => new Sgd([p], 0.1, 0.9, nesterov: true, weightDecay: 0.01), DType.Float32)
            .Should().Equal(SgdReference(0.1, 0.9, 0, 0.01, true), (a, e) => Math.Abs(a - e) < 1e-6);

        const int n = 1000;
        var values = Enumerable.Range(0, n).Select(i => Math.Sin(i)).ToArray();
        var grads = Enumerable.Range(0, n).Select(i => Math.Cos(3 * i)).ToArray();
        foreach (var create in new Func<Tensor, Optimizer>[] { p => new AdamW([p], 0.01), p => new Sgd([p], 0.1, momentum: 0.9, weightDecay: 0.01) })
        {
            var p32 = Tensor.FromArray(values, [n]).To(DType.Float32);
            var p64 = Tensor.FromArray(values, [n]);
            p32.RequiresGrad = p64.RequiresGrad = true;
            var o32 = create(p32);
            var o64 = create(p64);
            for (int step = 0; step < 3; step++)
            {
                p32.Grad = Tensor.FromArray(grads, [n]).To(DType.Float32);
                p64.Grad = Tensor.FromArray(grads, [n]);
                o32.Step();
                o64.Step();
            }
            p32.ToDoubleArray().Should().Equal(p64.ToDoubleArray(), (a, e) => Math.Abs(a - e) < 1e-5);
            p64.ToDoubleArray().Zip(values).Should().OnlyContain(t => Math.Abs(t.First - t.Second) > 1e-6);
        }
    }

    [Fact]
    public void Parameters_without_gradients_are_skipped_and_keep_their_own_step_count()
    {
        var a = Tensor.FromArray(P0, [3], requiresGrad: true);
        var b = Tensor.FromArray(P0, [3], requiresGrad: true);
        var opt = new Adam([a, b], lr: 0.01);
        a.Grad = Tensor.FromArray(Grads[0], [3]);
        opt.Step();
        b.ToDoubleArray().Should().Equal(P0);
        // b's first update uses step 1's bias correction even though the optimizer has stepped before.
        a.Grad = null;
        b.Grad = Tensor.FromArray(Grads[0], [3]);
        opt.Step();
        b.ToDoubleArray().Should().Equal(a.ToDoubleArray());
        opt.State()["state.1.step"].Item().Should().Be(1);
        opt.State()["state.0.step"].Item().Should().Be(1);
        opt.StepCount.Should().Be(2);
    }

    [Fact]
    public void Zero_grad_clears_gradients_and_learning_rate_is_settable()
    {
        var p = Tensor.FromArray(P0, [3], requiresGrad: true);
        var opt = new Sgd([p], 0.1);
        p.Grad = Tensor.FromArray(Grads[0], [3]);
        opt.ZeroGrad();
        p.Grad.Should().BeNull();
        opt.LearningRate = 0.5;
        p.Grad = Tensor.FromArray(Grads[0], [3]);
        opt.Step();
        p.ToDoubleArray()[0].Should().BeApproximately(1.0 - 0.5 * 0.1, 1e-15);
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void State_round_trip_resumes_training_exactly(string kind)
    {
        Func<Tensor, Optimizer> create = kind == "sgd" ? p => new Sgd([p], 0.1, 0.9, nesterov: true) : p => new Adam([p], 0.01);
        var expected = Run(create);

        // Two steps, save, rebuild from the saved parameter and state, one more step.
        var p1 = Tensor.FromArray(P0, [3], requiresGrad: true);
        var first = create(p1);
        for (int t = 0; t < 2; t++)
        {
            p1.Grad = Tensor.FromArray(Grads[t], [3]);
            first.Step();
        }
        var saved = first.State().ToDictionary(kv => kv.Key, kv => kv.Value.DType == DType.Float32 ? kv.Value.To(DType.Float64) : kv.Value);
        saved.Keys.Should().Contain(kind == "sgd" ? ["state.0.momentum_buffer"] : ["state.0.exp_avg", "state.0.exp_avg_sq", "state.0.step"]);

        var p2 = Tensor.FromArray(p1.ToDoubleArray(), [3], requiresGrad: true);
        var second = create(p2);
        second.LoadState(saved);
        second.StepCount.Should().Be(2);
        p2.Grad = Tensor.FromArray(Grads[2], [3]);
        second.Step();
        p2.ToDoubleArray().Should().Equal(expected);
    }

    [Fact]
    public void Load_state_rejects_unknown_keys_and_wrong_shapes_naming_the_key()
    {
        var p = Tensor.FromArray(P0, [3], requiresGrad: true);
        var opt = new Sgd([p], 0.1, momentum: 0.9);
        var unknown = () => opt.LoadState(new Dictionary<string, Tensor> { ["state.0.bogus"] = Tensor.Zeros([3]) });
        unknown.Should().Throw<ArgumentException>().WithMessage("*state.0.bogus*");
        var shape = () => opt.LoadState(new Dictionary<string, Tensor> { ["state.0.momentum_buffer"] = Tensor.Zeros([4]) });
        shape.Should().Throw<ArgumentException>().WithMessage("*state.0.momentum_buffer*(4)*(3)*");
        var index = () => opt.LoadState(new Dictionary<string, Tensor> { ["state.5.momentum_buffer"] = Tensor.Zeros([3]) });
        index.Should().Throw<ArgumentException>().WithMessage("*parameter 5*");
    }

    [Fact]
    public void Invalid_hyper_parameters_are_rejected()
    {
        var p = Tensor.FromArray(P0, [3], requiresGrad: true);
        var nesterov = () => new Sgd([p], 0.1, momentum: 0, nesterov: true);
        nesterov.Should().Throw<ArgumentException>().WithMessage("*Nesterov*");
        var beta = () => new Adam([p], beta1: 1.0);
        beta.Should().Throw<ArgumentException>().WithMessage("*beta1*");
        var empty = () => new Sgd([], 0.1);
        empty.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Steps_record_no_autograd_graph()
    {
        var p = Tensor.FromArray(P0, [3], requiresGrad: true);
        var opt = new Sgd([p], 0.1, momentum: 0.5);
        p.Grad = Tensor.FromArray(Grads[0], [3]);
        opt.Step();
        p.IsLeaf.Should().BeTrue();
        p.RequiresGrad.Should().BeTrue();
    }
}

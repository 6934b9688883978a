using Cac.Testing;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Core;

public class BatchNormTests
{
    private const int N = 3, C = 2, H = 3, W = 3;

    private static Tensor Vec(params double[] v) => Tensor.FromArray(v, [v.Length]);

    [Fact]
    [Trait("Category", "GradCheck")]
    public void Training_mode_gradients_wrt_input_weight_and_bias()
    {
        var x = RandD(1, N, C, H, W);
        var weight = RandD(2, C);
        var bias = RandD(3, C);
        var runningMean = Vec(0, 0);
        var runningVar = Vec(1, 1);
        GradCheck.Check(() => Ops.BatchNorm2d(x, weight, bias, runningMean, runningVar, training: true), [x, weight, bias])
            .Passed.Should().BeTrue();
    }

    [Fact]
    [Trait("Category", "GradCheck")]
    public void Eval_mode_gradients_wrt_input_weight_and_bias()
    {
        var x = RandD(4, N, C, H, W);
        var weight = RandD(5, C);
        var bias = RandD(6, C);
        var runningMean = Vec(0.3, -0.7);
        var runningVar = Vec(0.5, 2.0);
        GradCheck.Check(() => Ops.BatchNorm2d(x, weight, bias, runningMean, runningVar, training: false), [x, weight, bias])
            .Passed.Should().BeTrue();
    }

    [Theory]
    [Trait("Category", "GradCheck")]
    [InlineData(true)]
    [InlineData(false)]
    public void Fused_relu_gradients_wrt_input_weight_and_bias(bool training)
    {
        var x = RandD(9, N, C, H, W);
        var weight = RandD(10, C);
        var bias = RandD(11, C);
        var runningMean = Vec(0.3, -0.7);
        var runningVar = Vec(0.5, 2.0);
        GradCheck.Check(() => Ops.BatchNorm2d(x, weight, bias, runningMean, runningVar, training, relu: true), [x, weight, bias])
            .Passed.Should().BeTrue();
    }

    [Fact]
    public void Fused_relu_equals_relu_after_batch_norm_forward_and_backward()
    {
        // The fused CPU kernels against the composition, float32 as in training; gy is nonzero where the ReLU cuts.
        var x = RandF(12, 4, 3, 5, 5);
        var weight = RandF(13, 3);
        var bias = RandF(14, 3);
        var gy = RandF(15, 4, 3, 5, 5);
        Tensor[] Run(bool fused)
        {
            var (xi, wi, bi) = (x.Detach(), weight.Detach(), bias.Detach());
            foreach (var t in new[] { xi, wi, bi }) t.RequiresGrad = true;
            var (rm, rv) = (Tensor.Zeros([3]), Tensor.Ones([3]));
            var y = fused
                ? Ops.BatchNorm2d(xi, wi, bi, rm, rv, training: true, relu: true)
                : Ops.Relu(Ops.BatchNorm2d(xi, wi, bi, rm, rv, training: true));
            y.Backward(gy);
            return [y, xi.Grad!, wi.Grad!, bi.Grad!, rm, rv];
        }
        var (fusedResults, composed) = (Run(true), Run(false));
        fusedResults[0].ToFloatArray().Should().Contain(0f, "the ReLU must cut somewhere for the test to mean anything");
        for (int i = 0; i < composed.Length; i++)
            MaxAbsDiff(fusedResults[i].ToFloatArray(), composed[i].ToFloatArray()).Should().BeLessThan(1e-5, $"output {i}");
    }

    [Fact]
    public void Running_statistics_follow_the_momentum_formula_with_unbiased_variance()
    {
        var x = RandD(7, N, C, H, W).Detach();
        double[] mean0 = [0.25, -0.5], var0 = [1.5, 0.8];
        var runningMean = Vec(mean0);
        var runningVar = Vec(var0);
        const double momentum = 0.3;
        Ops.BatchNorm2d(x, Vec(1, 1), Vec(0, 0), runningMean, runningVar, training: true, momentum: momentum);

        var xs = x.ToDoubleArray();
        var gotMean = runningMean.ToDoubleArray();
        var gotVar = runningVar.ToDoubleArray();
        for (int c = 0; c < C; c++)
        {
            var values = ChannelValues(xs, c);
            double mean = values.Average();
            double unbiased = values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
            gotMean[c].Should().BeApproximately((1 - momentum) * mean0[c] + momentum * mean, 1e-12);
            gotVar[c].Should().BeApproximately((1 - momentum) * var0[c] + momentum * unbiased, 1e-12);
        }
    }

    [Fact]
    public void Training_forward_normalises_with_biased_batch_variance_then_applies_affine()
    {
        var x = RandD(8, N, C, H, W).Detach();
        double[] gamma = [1.7, -0.4], beta = [0.2, 3.0];
        const double eps = 1e-3;
        var y = Ops.BatchNorm2d(x, Vec(gamma), Vec(beta), Vec(0, 0), Vec(1, 1), training: true, eps: eps).ToDoubleArray();

        var xs = x.ToDoubleArray();
        for (int c = 0; c < C; c++)
        {
            var values = ChannelValues(xs, c);
            double mean = values.Average();
            double biased = values.Sum(v => (v - mean) * (v - mean)) / values.Count;
            foreach (int i in ChannelIndices(c))
                y[i].Should().BeApproximately((xs[i] - mean) / Math.Sqrt(biased + eps) * gamma[c] + beta[c], 1e-12);
        }
    }

    [Fact]
    public void Eval_forward_uses_running_statistics_and_leaves_them_unchanged()
    {
        var x = RandD(9, N, C, H, W).Detach();
        double[] gamma = [0.9, 1.3], beta = [-0.1, 0.4], mean = [0.2, -0.3], variance = [0.6, 1.9];
        var runningMean = Vec(mean);
        var runningVar = Vec(variance);
        var y = Ops.BatchNorm2d(x, Vec(gamma), Vec(beta), runningMean, runningVar, training: false).ToDoubleArray();

        var xs = x.ToDoubleArray();
        for (int c = 0; c < C; c++)
            foreach (int i in ChannelIndices(c))
                y[i].Should().BeApproximately((xs[i] - mean[c]) / Math.Sqrt(variance[c] + 1e-5) * gamma[c] + beta[c], 1e-12);
        runningMean.ToDoubleArray().Should().Equal(mean);
        runningVar.ToDoubleArray().Should().Equal(variance);
    }

    [Fact]
    public void Float32_training_matches_float64()
    {
        var x64 = RandD(10, 4, 3, 5, 5).Detach();
        var x32 = x64.To(DType.Float32);
        Tensor Params(DType d, params double[] v) => Tensor.FromArray(v, [v.Length]).To(d);
        var y64 = Ops.BatchNorm2d(x64, Params(DType.Float64, 1.1, 0.9, -1), Params(DType.Float64, 0, 0.5, 1),
            Params(DType.Float64, 0, 0, 0), Params(DType.Float64, 1, 1, 1), training: true).ToFloatArray();
        var y32 = Ops.BatchNorm2d(x32, Params(DType.Float32, 1.1, 0.9, -1), Params(DType.Float32, 0, 0.5, 1),
            Params(DType.Float32, 0, 0, 0), Params(DType.Float32, 1, 1, 1), training: true).ToFloatArray();
        MaxAbsDiff(y32, y64).Should().BeLessThan(1e-5);
    }

    [Fact]
    public void Float32_backward_matches_float64()
    {
        var x64 = RandD(11, 4, 3, 5, 5);
        var x32 = x64.Detach().To(DType.Float32);
        x32.RequiresGrad = true;
        var g = RandD(12, 4, 3, 5, 5).Detach();
        var w64 = Tensor.FromArray([1.1, 0.9, -1.0], [3], requiresGrad: true);
        var w32 = Tensor.FromArray([1.1f, 0.9f, -1f], [3], requiresGrad: true);
        Tensor Zeros(DType d) => Tensor.Zeros([3], d);
        Tensor Ones(DType d) => Tensor.Ones([3], d);
        Ops.BatchNorm2d(x64, w64, Zeros(DType.Float64), Zeros(DType.Float64), Ones(DType.Float64), training: true).Backward(g);
        Ops.BatchNorm2d(x32, w32, Zeros(DType.Float32), Zeros(DType.Float32), Ones(DType.Float32), training: true).Backward(g.To(DType.Float32));
        MaxAbsDiff(x32.Grad!.ToFloatArray(), x64.Grad!.ToFloatArray()).Should().BeLessThan(1e-4);
        MaxAbsDiff(w32.Grad!.ToFloatArray(), w64.Grad!.ToFloatArray()).Should().BeLessThan(1e-3);
    }

    [Fact]
    public void Rejects_parameters_of_the_wrong_shape_naming_them()
    {
        var x = RandD(13, N, C, H, W);
        var act = () => Ops.BatchNorm2d(x, Vec(1, 1, 1), Vec(0, 0), Vec(0, 0), Vec(1, 1), training: true);
        act.Should().Throw<ArgumentException>().WithMessage("*weight*(2)*(3, 2, 3, 3)*(3)*");
    }

    [Fact]
    public void Rejects_a_non_4d_input()
    {
        var x = RandD(14, N, C, H);
        var act = () => Ops.BatchNorm2d(x, Vec(1, 1), Vec(0, 0), Vec(0, 0), Vec(1, 1), training: false);
        act.Should().Throw<ArgumentException>().WithMessage("*batch_norm*(3, 2, 3)*");
    }

    [Fact]
    public void Training_rejects_a_single_value_per_channel()
    {
        var x = RandD(15, 1, C, 1, 1);
        var act = () => Ops.BatchNorm2d(x, Vec(1, 1), Vec(0, 0), Vec(0, 0), Vec(1, 1), training: true);
        act.Should().Throw<ArgumentException>().WithMessage("*more than one value per channel*");
    }

    private static IEnumerable<int> ChannelIndices(int c)
    {
        for (int n = 0; n < N; n++)
            for (int j = 0; j < H * W; j++)
                yield return (n * C + c) * H * W + j;
    }

    private static List<double> ChannelValues(double[] xs, int c) => ChannelIndices(c).Select(i => xs[i]).ToList();
}

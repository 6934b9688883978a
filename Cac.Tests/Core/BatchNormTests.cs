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
        // The same float32 values in both dtypes, so that only the float32 arithmetic differs.
        var x32 = RandF(11, 4, 3, 5, 5);
        var g32 = RandF(12, 4, 3, 5, 5);
        x32.RequiresGrad = true;
        var x64 = x32.Detach().To(DType.Float64);
        x64.RequiresGrad = true;
        var w32 = Tensor.FromArray([1.1f, 0.9f, -1f], [3], requiresGrad: true);
        var w64 = w32.Detach().To(DType.Float64);
        w64.RequiresGrad = true;
        var b32 = Tensor.Zeros([3], requiresGrad: true);
        var b64 = Tensor.Zeros([3], DType.Float64, requiresGrad: true);
        Tensor Zeros(DType d) => Tensor.Zeros([3], d);
        Tensor Ones(DType d) => Tensor.Ones([3], d);
        Ops.BatchNorm2d(x64, w64, b64, Zeros(DType.Float64), Ones(DType.Float64), training: true).Backward(g32.To(DType.Float64));
        Ops.BatchNorm2d(x32, w32, b32, Zeros(DType.Float32), Ones(DType.Float32), training: true).Backward(g32);

        var bound = BackwardBound(x32.ToDoubleArray(), g32.ToDoubleArray(), w32.ToDoubleArray(), 4, 3, 25);
        WithinBound(x32.Grad!.ToDoubleArray(), x64.Grad!.ToDoubleArray(), bound.Gx, "dL/dx");
        WithinBound(w32.Grad!.ToDoubleArray(), w64.Grad!.ToDoubleArray(), bound.Gw, "dL/dweight");
        WithinBound(b32.Grad!.ToDoubleArray(), b64.Grad!.ToDoubleArray(), bound.Gb, "dL/dbias");
    }

    // First-order bounds on |float32 - exact| of the batch-statistics backward (Cac.Core/Cpu/Kernels/BatchNormKernels.cs) per element, for
    // float32 inputs x, gy, gamma: per channel m = N HW values, per-plane float32 SIMD sums of HW values added in double,
    // u = 2^-24, xhat = (x - mu) inv, inv = 1 / sqrt(var + eps).
    //   mean:  |mu^ - mu| <= gamma_HW mean|x| + u |mu| = dmu (plane sums, then rounded to float32)
    //   inv:   relative error <= ((HW + 3) / 2 + 1) u = e (squares of float32 differences summed per plane: HW + 3
    //          roundings, halved by the square root; rounded to float32 when saved)
    //   dL/db = sum gy:               gamma_HW sum |gy| + u |dL/db|
    //   dL/dw = inv sum gy (x - mu^): gamma_(HW+2) sum |gy xhat| + (e + u) |dL/dw| + inv dmu |sum gy|
    //          (mu^'s error enters through sum gy (x - mu^) = sum gy (x - mu) - (mu^ - mu) sum gy)
    //   dL/dx = gamma inv (gy - mean gy - xhat mean(gy xhat)), evaluated as a gy + b (x - mu^) + c with float32 a, b, c:
    //          |gamma| [(gamma_(HW+2) + 3 e + 6 u) (|gy| + mean|gy| + |xhat| mean|gy xhat|)
    //                   + inv dmu (mean|gy xhat| + |xhat| mean|gy|)]
    //          (the sums' errors; inv enters k = gamma inv once and the xhat term three times; six roundings in
    //          a gy + b (x - mu^) + c and its coefficients; mu^ shifts x - mu^ in both the dot product and the last term)
    // The float64 run's own error (u = 2^-53) is below 1e-8 of these. With HW = 25: about 80 u of dL/dx's term magnitudes
    // and 27 u of the sums of magnitudes behind dL/dw and dL/db, here 4e-6 to 2.2e-5 for dL/dx (values up to 3.2) and
    // 1.2e-4 for dL/dw and dL/db (up to 6 and 18), where the old absolute bounds were 1e-4 and 1e-3.
    private static (double[] Gx, double[] Gw, double[] Gb) BackwardBound(double[] x, double[] gy, double[] gamma, int n, int c, int hw)
    {
        double u = Rounding.Unit(DType.Float32), e = ((hw + 3) / 2.0 + 1) * u;
        double gSum = Rounding.Gamma(hw, DType.Float32), gDot = Rounding.Gamma(hw + 2, DType.Float32);
        var gx = new double[x.Length];
        var (gw, gb) = (new double[c], new double[c]);
        int m = n * hw;
        for (int ch = 0; ch < c; ch++)
        {
            var idx = Enumerable.Range(0, n).SelectMany(s => Enumerable.Range((s * c + ch) * hw, hw)).ToArray();
            double mu = idx.Average(i => x[i]);
            double inv = 1 / Math.Sqrt(idx.Sum(i => (x[i] - mu) * (x[i] - mu)) / m + 1e-5);
            double dmu = gSum * idx.Average(i => Math.Abs(x[i])) + u * Math.Abs(mu);
            double sumGy = idx.Sum(i => gy[i]), absGy = idx.Average(i => Math.Abs(gy[i]));
            double dot = idx.Sum(i => gy[i] * (x[i] - mu) * inv), absDot = idx.Average(i => Math.Abs(gy[i] * (x[i] - mu) * inv));
            gb[ch] = gSum * absGy * m + u * Math.Abs(sumGy);
            gw[ch] = gDot * absDot * m + (e + u) * Math.Abs(dot) + inv * dmu * Math.Abs(sumGy);
            foreach (int i in idx)
            {
                double xhat = Math.Abs((x[i] - mu) * inv);
                gx[i] = Math.Abs(gamma[ch]) * ((gDot + 3 * e + 6 * u) * (Math.Abs(gy[i]) + absGy + xhat * absDot)
                    + inv * dmu * (absDot + xhat * absGy));
            }
        }
        return (gx, gw, gb);
    }

    private static void WithinBound(double[] actual, double[] expected, double[] bound, string what)
    {
        for (int i = 0; i < actual.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            if (!(error <= bound[i]))
                throw new Xunit.Sdk.XunitException($"{what} element {i}: float32 {actual[i]:R}, float64 {expected[i]:R}, |error| {error:g3} > bound {bound[i]:g3}");
        }
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

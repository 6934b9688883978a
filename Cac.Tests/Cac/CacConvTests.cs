using Cac.Testing;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.ContentAware;

public class CacConvTests
{
    public sealed record Config(int K, int Stride, int Pad, int Dilation, int Groups, bool Bias)
    {
        public override string ToString() => $"k{K} s{Stride} p{Pad} d{Dilation} g{Groups}{(Bias ? " bias" : "")}";
    }

    private sealed record Result(double[] Y, double[] Gx, double[] Gw, double[]? Gb, double Ggamma, double Gbeta, double SharpRatio);

    private static Tensor Leaf(Tensor t, DType dtype)
    {
        var c = t.Detach().To(dtype);
        var leaf = Tensor.ZerosLike(c);
        leaf.CopyFrom(c);
        leaf.RequiresGrad = true;
        return leaf;
    }

    // Runs one path with fresh leaves: y = cac(x, w, b, gamma * G + beta), backward with gy.
    private static Result Run(CacPath path, Config c, Tensor x0, Tensor w0, Tensor? b0, double gamma0, double beta0, Tensor gy0, DType dtype,
        CacSamplePoint point = CacSamplePoint.Centre)
    {
        var x = Leaf(x0, dtype);
        var w = Leaf(w0, dtype);
        var b = b0 is null ? null : Leaf(b0, dtype);
        var gamma = Leaf(Tensor.Full([1], gamma0, DType.Float64), dtype);
        var beta = Leaf(Tensor.Full([1], beta0, DType.Float64), dtype);
        var g = Ops.CacScoreMap(x, c.K, c.Stride, c.Pad, c.Dilation);
        var score = g * gamma + beta;
        var y = Ops.ContentAwareConv2d(x, w, b, score, c.Stride, c.Pad, c.Dilation, c.Groups, point, path);
        y.Backward(gy0.Detach().To(dtype));
        double rho;
        using (Autograd.NoGrad()) rho = Ops.Mean(Ops.CacSharpGate(score)).Item();
        return new Result(y.ToDoubleArray(), x.Grad!.ToDoubleArray(), w.Grad!.ToDoubleArray(), b?.Grad!.ToDoubleArray(),
            gamma.Grad!.Item(), beta.Grad!.Item(), rho);
    }

    private static (Tensor X, Tensor W, Tensor? B, Tensor Gy) Inputs(Config c, int seed, int n = 2, int cin = 4, int cout = 6, int h = 9, int w = 9)
    {
        var x = RandD(seed, n, cin, h, w);
        var wt = RandD(seed + 1, cout, cin / c.Groups, c.K, c.K) * 0.3;
        var b = c.Bias ? RandD(seed + 2, cout) : null;
        int ho = (h + 2 * c.Pad - c.Dilation * (c.K - 1) - 1) / c.Stride + 1, wo = (w + 2 * c.Pad - c.Dilation * (c.K - 1) - 1) / c.Stride + 1;
        var gy = RandD(seed + 3, n, cout, ho, wo);
        return (x.Detach(), wt.Detach(), b?.Detach(), gy.Detach());
    }

    // beta such that about `ratio` of the windows are sharp (gamma * G > -beta).
    private static double BetaFor(Tensor x, Config c, double gamma, double ratio)
    {
        var g = Ops.CacScoreMap(x, c.K, c.Stride, c.Pad, c.Dilation).ToDoubleArray().Select(v => gamma * v).ToArray();
        return -CacReference.Quantile(g, 1 - ratio);
    }

    public static TheoryData<Config, double> SparseDenseCases()
    {
        var data = new TheoryData<Config, double>();
        Config[] configs =
        [
            new(3, 1, 1, 1, 1, true), new(3, 1, 1, 1, 1, false), new(3, 2, 1, 1, 1, true), new(3, 2, 0, 1, 1, false),
            new(5, 1, 2, 1, 1, true), new(5, 2, 2, 1, 1, false), new(5, 2, 1, 1, 1, true),
            new(3, 1, 1, 1, 2, true), new(3, 2, 1, 1, 2, false), new(3, 1, 2, 2, 1, true), new(5, 1, 4, 2, 2, true),
        ];
        foreach (var c in configs)
            foreach (var r in new[] { 0.25, 0.5, 0.75 })
                data.Add(c, r);
        return data;
    }

    [Theory]
    [MemberData(nameof(SparseDenseCases))]
    public void Sparse_equals_dense_forward_and_every_gradient(Config c, double ratio)
    {
        var (x, w, b, gy) = Inputs(c, 20 + c.K + c.Stride);
        const double gamma = 1.3;
        double beta = BetaFor(x, c, gamma, ratio);
        var dense = Run(CacPath.Dense, c, x, w, b, gamma, beta, gy, DType.Float64);
        var sparse = Run(CacPath.Sparse, c, x, w, b, gamma, beta, gy, DType.Float64);

        dense.SharpRatio.Should().BeInRange(ratio - 0.15, ratio + 0.15, "beta was chosen from the quantiles of -gamma*G");
        sparse.SharpRatio.Should().Be(dense.SharpRatio);
        CacReference.RelativeError(sparse.Y, dense.Y).Should().BeLessThan(1e-5, "y");
        CacReference.RelativeError(sparse.Gx, dense.Gx).Should().BeLessThan(1e-5, "dL/dx");
        CacReference.RelativeError(sparse.Gw, dense.Gw).Should().BeLessThan(1e-5, "dL/dW");
        if (c.Bias) CacReference.RelativeError(sparse.Gb!, dense.Gb!).Should().BeLessThan(1e-5, "dL/db");
        CacReference.RelativeError([sparse.Ggamma], [dense.Ggamma]).Should().BeLessThan(1e-5, "dL/dgamma");
        CacReference.RelativeError([sparse.Gbeta], [dense.Gbeta]).Should().BeLessThan(1e-5, "dL/dbeta");
    }

    [Theory]
    [InlineData(3, 1, 1, 1, 1)]
    [InlineData(3, 2, 1, 1, 2)]
    [InlineData(5, 1, 2, 2, 1)]
    public void Sparse_equals_dense_in_float32(int k, int stride, int pad, int dilation, int groups)
    {
        var c = new Config(k, stride, pad, dilation, groups, true);
        var (x, w, b, gy) = Inputs(c, 40, n: 3, cin: 8, cout: 8, h: 12, w: 12);
        double beta = BetaFor(x, c, 1, 0.5);
        var dense = Run(CacPath.Dense, c, x, w, b, 1, beta, gy, DType.Float32);
        var sparse = Run(CacPath.Sparse, c, x, w, b, 1, beta, gy, DType.Float32);
        sparse.SharpRatio.Should().Be(dense.SharpRatio).And.BeInRange(0.35, 0.65);
        CacReference.RelativeError(sparse.Y, dense.Y).Should().BeLessThan(1e-5);
        CacReference.RelativeError(sparse.Gx, dense.Gx).Should().BeLessThan(1e-5);
        CacReference.RelativeError(sparse.Gw, dense.Gw).Should().BeLessThan(1e-5);
        CacReference.RelativeError(sparse.Gb!, dense.Gb!).Should().BeLessThan(1e-5);
    }

    public static TheoryData<CacPath, Config> GradCheckCases()
    {
        var data = new TheoryData<CacPath, Config>();
        foreach (var path in new[] { CacPath.Dense, CacPath.Sparse })
        {
            data.Add(path, new Config(3, 1, 1, 1, 1, true));
            data.Add(path, new Config(3, 2, 1, 1, 2, true));
            data.Add(path, new Config(5, 1, 2, 1, 1, false));
            data.Add(path, new Config(3, 1, 2, 2, 1, true));
        }
        return data;
    }

    [Theory]
    [Trait("Category", "GradCheck")]
    [MemberData(nameof(GradCheckCases))]
    public void Gradcheck_with_a_frozen_mixed_mask(CacPath path, Config c)
    {
        var x = RandD(50, 2, 4, 6, 6);
        var w = RandD(51, 4, 4 / c.Groups, c.K, c.K);
        var b = c.Bias ? RandD(52, 4) : null;
        int ho = (6 + 2 * c.Pad - c.Dilation * (c.K - 1) - 1) / c.Stride + 1;
        // A frozen score (no gradient): the mask cannot flip under the checker's perturbations.
        var score = Tensor.RandN([2, 1, ho, ho], new Generator(53), dtype: DType.Float64);
        var signs = score.ToDoubleArray();
        signs.Should().Contain(v => v > 0).And.Contain(v => v <= 0);
        Tensor[] inputs = b is null ? [x, w] : [x, w, b];
        var result = GradCheck.Check(() => Ops.ContentAwareConv2d(x, w, b, score, c.Stride, c.Pad, c.Dilation, c.Groups, CacSamplePoint.Centre, path), inputs);
        result.Passed.Should().BeTrue(result.Report);
    }

    [Theory]
    [InlineData(CacPath.Dense, 3, 1, 1, true)]
    [InlineData(CacPath.Sparse, 3, 1, 1, true)]
    [InlineData(CacPath.Dense, 5, 2, 2, false)]
    [InlineData(CacPath.Sparse, 5, 2, 2, false)]
    public void Gamma_and_beta_gradients_follow_the_straight_through_formula(CacPath path, int k, int stride, int pad, bool bias)
    {
        var c = new Config(k, stride, pad, 1, 1, bias);
        var (x, w, b, gy) = Inputs(c, 60, n: 2, cin: 3, cout: 4, h: 8, w: 8);
        const double gamma = 0.8;
        double beta = BetaFor(x, c, gamma, 0.5);
        var r = Run(path, c, x, w, b, gamma, beta, gy, DType.Float64);

        // Independent: Y_sharp from Ops.Conv2d, Y_smooth from the naive 1 x 1 on centre pixels, mask from the score.
        var ySharp = Ops.Conv2d(x, w, b, stride, pad).ToDoubleArray();
        var ySmooth = CacReference.SmoothConv(x.ToDoubleArray(), w.ToDoubleArray(), b?.ToDoubleArray(), 2, 3, 8, 8, 4, k, stride, pad, 1, 1, k / 2);
        var g = Ops.CacScoreMap(x, k, stride, pad, 1).ToDoubleArray();
        var gyv = gy.ToDoubleArray();
        int positions = g.Length / 2;
        double gBeta = 0, gGamma = 0;
        for (int n = 0; n < 2; n++)
            for (int q = 0; q < positions; q++)
            {
                double gi = g[n * positions + q];
                bool sharp = gamma * gi + beta > 0;
                double term = 0;
                for (int o = 0; o < 4; o++)
                {
                    int i = (n * 4 + o) * positions + q;
                    term += gyv[i] * (sharp ? ySharp[i] : ySmooth[i]);
                }
                gBeta += sharp ? term : -term;
                gGamma += (sharp ? term : -term) * gi;
            }
        r.Gbeta.Should().BeApproximately(gBeta, 1e-9 * Math.Max(1, Math.Abs(gBeta)));
        r.Ggamma.Should().BeApproximately(gGamma, 1e-9 * Math.Max(1, Math.Abs(gGamma)));
        // The output itself: the sharp conv where sharp, the smooth 1 x 1 elsewhere.
        var expectedY = new double[ySharp.Length];
        for (int i = 0; i < expectedY.Length; i++)
        {
            int n = i / (4 * positions), q = i % positions;
            expectedY[i] = gamma * g[n * positions + q] + beta > 0 ? ySharp[i] : ySmooth[i];
        }
        CacReference.RelativeError(r.Y, expectedY).Should().BeLessThan(1e-12);
    }

    [Theory]
    [InlineData(CacPath.Dense, CacSamplePoint.TopLeft)]
    [InlineData(CacPath.Sparse, CacSamplePoint.TopLeft)]
    [InlineData(CacPath.Dense, CacSamplePoint.Centre)]
    [InlineData(CacPath.Sparse, CacSamplePoint.Centre)]
    public void All_smooth_windows_sample_the_chosen_pixel(CacPath path, CacSamplePoint point)
    {
        // k 5, stride 2, padding 1, dilation 1, groups 2: the top-left pixel of the first windows lies in the padding.
        var c = new Config(5, 2, 1, 1, 2, true);
        var (x, w, b, _) = Inputs(c, 70, n: 2, cin: 4, cout: 4, h: 9, w: 9);
        int ho = (9 + 2 - 4 - 1) / 2 + 1;
        var score = Tensor.Full([2, 1, ho, ho], -1.0, DType.Float64);
        var y = Ops.ContentAwareConv2d(x, w, b, score, c.Stride, c.Pad, c.Dilation, c.Groups, point, path);
        int offset = point == CacSamplePoint.TopLeft ? 0 : 2;
        var expected = CacReference.SmoothConv(x.ToDoubleArray(), w.ToDoubleArray(), b!.ToDoubleArray(), 2, 4, 9, 9, 4, 5, 2, 1, 1, 2, offset);
        CacReference.RelativeError(y.ToDoubleArray(), expected).Should().BeLessThan(1e-12);
        var other = CacReference.SmoothConv(x.ToDoubleArray(), w.ToDoubleArray(), b!.ToDoubleArray(), 2, 4, 9, 9, 4, 5, 2, 1, 1, 2, 2 - offset);
        CacReference.RelativeError(y.ToDoubleArray(), other).Should().BeGreaterThan(1e-3, "the two sample points differ");
    }

    [Theory]
    [InlineData(CacPath.Dense)]
    [InlineData(CacPath.Sparse)]
    public void A_score_of_exactly_zero_is_smooth(CacPath path)
    {
        var c = new Config(3, 1, 1, 1, 1, false);
        var (x, w, _, _) = Inputs(c, 80, n: 1, cin: 2, cout: 2, h: 5, w: 5);
        var y = Ops.ContentAwareConv2d(x, w, null, Tensor.Zeros([1, 1, 5, 5], DType.Float64), 1, 1, 1, 1, CacSamplePoint.Centre, path);
        var smooth = CacReference.SmoothConv(x.ToDoubleArray(), w.ToDoubleArray(), null, 1, 2, 5, 5, 2, 3, 1, 1, 1, 1, 1);
        CacReference.RelativeError(y.ToDoubleArray(), smooth).Should().BeLessThan(1e-12);
    }

    [Fact]
    public void Invalid_calls_name_the_op_and_shapes()
    {
        var x = RandD(1, 1, 2, 5, 5);
        var score = Tensor.Zeros([1, 1, 5, 5], DType.Float64);
        var oneByOne = () => Ops.ContentAwareConv2d(x, RandD(2, 3, 2, 1, 1), null, score);
        oneByOne.Should().Throw<ArgumentException>().WithMessage("*1 x 1*never content-aware*");
        var badScore = () => Ops.ContentAwareConv2d(x, RandD(2, 3, 2, 3, 3), null, Tensor.Zeros([1, 1, 4, 4], DType.Float64), padding: 1);
        badScore.Should().Throw<ArgumentException>().WithMessage("*score must be (1, 1, 5, 5)*(1, 1, 4, 4)*");
        var badGroups = () => Ops.ContentAwareConv2d(x, RandD(2, 3, 2, 3, 3), null, score, padding: 1, groups: 2);
        badGroups.Should().Throw<ArgumentException>().WithMessage("cac_conv2d_sparse*groups=2*");
    }
}

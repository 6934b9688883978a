using Cac.Cpu.Kernels;
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
        var scoreMap = Ops.CacScoreMap(x, c.K, c.Stride, c.Pad, c.Dilation);
        var score = scoreMap * gamma + beta;
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
        var scoreMap = Ops.CacScoreMap(x, c.K, c.Stride, c.Pad, c.Dilation).ToDoubleArray().Select(v => gamma * v).ToArray();
        return -CacReference.Quantile(scoreMap, 1 - ratio);
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
        ShouldAgree(sparse, dense, BoundsFor(c, x, w, b, gamma, beta, gy, DType.Float64));
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
        ShouldAgree(sparse, dense, BoundsFor(c, x, w, b, 1, beta, gy, DType.Float32));
    }

    // The bound of every compared value (see ShouldAgree).
    private sealed record Bounds(double[] Y, double[] Gx, double[] Gw, double[]? Gb, double Ggamma, double Gbeta);

    // Sparse against dense, element by element, |sparse - dense| <= bound, the sum of the two paths' rounding-error bounds
    // from the inputs as rounded to dtype. For every value, magnitude = the sum of the magnitudes of the terms it adds up,
    // in float64 under the runs' mask: the layer with a fixed mask is linear in x and bilinear in (x, W), so the dense
    // layer on |x|, |W|, |b| gives sum |terms| of y (a smooth window's tap sum included, sum |w| >= |sum w|) and its
    // backward with |gy| gives those of dL/dx, dL/dW and dL/db. A direct kernel or a GEMM (any summation order: the sparse
    // gather + GEMM + scatter, the dense path's direct convolutions) is within gamma_n * magnitude of exact
    // (Rounding.Gamma), n the longest chain of roundings behind the value:
    //   y      (Cin/G + 1) k^2 + 1   a window's Cin/G k^2 products and the bias (a smooth window: k^2 - 1 tap additions,
    //                                then Cin/G products, fewer)
    //   dL/dx  (Cout/G + 1) k^2      at most k^2 windows per pixel, Cout/G channels each (tap sums again for smooth ones)
    //   dL/dW  N Ho Wo + 1           one term per position (a smooth position's centre term is spread to every tap: + 1)
    //   dL/db  N Ho Wo
    // The dense path's full convolutions run Winograd F(4x4, 3x3) where the CPU backend picks it (3 x 3, stride 1, >= 8
    // channels each way: the float32 case k3 s1 below, forward, input gradient and weight gradient). Winograd's rigorous
    // componentwise bound (WinogradErrorBound) is 15-20 times looser than the bounds here, so on these dense random
    // inputs it is held instead to the convolution tests' bound for Winograd and direct kernels alike, 4 (n + 3) u *
    // magnitude (ConvTests, ConvWinogradTests.Check). dL/dbeta is the sum of +-gy * y over N Cout Ho Wo (y, G), dL/dgamma
    // the same times G: y's bound enters times |gy|, then a product (two with G) and N Cout Ho Wo additions,
    // 2 gamma_(N Cout Ho Wo + 2) * sum |gy| |y|mag (|G|). G and the mask are the same bits in both runs (the same op on
    // the same input). In float64 (u = 2^-53) the bounds are 6e-15 to 2.5e-13 of the magnitudes, in float32 (u = 2^-24)
    // 1e-5 to 1.3e-4 (4e-4 for dL/dbeta and dL/dgamma, sums of up to 3456 terms); the old normwise 1e-5 was 1e8 times the
    // float64 precision.
    private static Bounds BoundsFor(Config c, Tensor x0, Tensor w0, Tensor? b0, double gamma0, double beta0, Tensor gy0, DType dtype)
    {
        Tensor AsRounded(Tensor t) => t.Detach().To(dtype).To(DType.Float64);
        Tensor Abs(Tensor t) => Leaf(Ops.Abs(AsRounded(t)), DType.Float64);
        // The score exactly as Run computes it, in dtype, so that the mask is the runs' mask.
        var scoreMap = Ops.CacScoreMap(x0.Detach().To(dtype), c.K, c.Stride, c.Pad, c.Dilation);
        var score = (scoreMap * Tensor.Full([1], gamma0, DType.Float64).To(dtype) + Tensor.Full([1], beta0, DType.Float64).To(dtype)).To(DType.Float64);
        var (x, w, b) = (Abs(x0), Abs(w0), b0 is null ? null : Abs(b0));
        var gyAbs = Ops.Abs(AsRounded(gy0));
        var y = Ops.ContentAwareConv2d(x, w, b, score, c.Stride, c.Pad, c.Dilation, c.Groups, CacSamplePoint.Centre, CacPath.Dense);
        y.Backward(gyAbs);

        var d = x.Dims;
        int cout = w.Dims[0], cinG = w.Dims[1], k2 = c.K * c.K;
        var geometry = new ConvGeometry(d[0], d[1], d[2], d[3], cout, c.K, c.K, c.Stride, c.Stride, c.Pad, c.Pad, c.Dilation, c.Dilation, c.Groups);
        bool winograd = CpuBackend.Kernels == CpuKernelChoice.Fast && ConvWinograd<float>.Applies(geometry);
        bool winogradWeight = CpuBackend.Kernels == CpuKernelChoice.Fast && ConvWinograd<float>.AppliesToWeightGradient(geometry);
        int positions = geometry.N * geometry.Ho * geometry.Wo;
        double u = Rounding.Unit(dtype);
        double[] Bound(Tensor magnitude, int terms, bool denseWinograd)
        {
            double relative = Rounding.Gamma(terms, dtype) + (denseWinograd ? 4 * (terms + 3) * u : Rounding.Gamma(terms, dtype));
            return magnitude.ToDoubleArray().Select(m => relative * m).ToArray();
        }
        var yBound = Bound(y, (cinG + 1) * k2 + 1, winograd);
        // The input gradient's convolution (gy with the flipped weights) has Cout input channels and Cin outputs.
        var gxBound = Bound(x.Grad!, (cout / c.Groups + 1) * k2, winograd);
        var gwBound = Bound(w.Grad!, positions + 1, winogradWeight);
        var gbBound = b is null ? null : Bound(b.Grad!, positions, false);

        double[] yMag = y.ToDoubleArray(), gv = scoreMap.ToDoubleArray(), gyv = gyAbs.ToDoubleArray();
        int plane = geometry.Ho * geometry.Wo;
        double gBeta = 0, gGamma = 0, sumMag = 0, sumMagG = 0;
        for (int i = 0; i < yMag.Length; i++)
        {
            double absG = Math.Abs(gv[i / (cout * plane) * plane + i % plane]);
            gBeta += gyv[i] * yBound[i];
            gGamma += gyv[i] * yBound[i] * absG;
            sumMag += gyv[i] * yMag[i];
            sumMagG += gyv[i] * yMag[i] * absG;
        }
        gBeta += 2 * Rounding.Gamma(yMag.Length + 1, dtype) * sumMag;
        gGamma += 2 * Rounding.Gamma(yMag.Length + 2, dtype) * sumMagG;
        return new Bounds(yBound, gxBound, gwBound, gbBound, gGamma, gBeta);
    }

    private static void ShouldAgree(Result sparse, Result dense, Bounds bounds)
    {
        Elementwise(sparse.Y, dense.Y, bounds.Y, "y");
        Elementwise(sparse.Gx, dense.Gx, bounds.Gx, "dL/dx");
        Elementwise(sparse.Gw, dense.Gw, bounds.Gw, "dL/dW");
        if (bounds.Gb is not null) Elementwise(sparse.Gb!, dense.Gb!, bounds.Gb, "dL/db");
        Elementwise([sparse.Gbeta], [dense.Gbeta], [bounds.Gbeta], "dL/dbeta");
        Elementwise([sparse.Ggamma], [dense.Ggamma], [bounds.Ggamma], "dL/dgamma");
    }

    private static void Elementwise(double[] a, double[] b, double[] bound, string what)
    {
        a.Length.Should().Be(b.Length, what);
        for (int i = 0; i < a.Length; i++)
        {
            double diff = Math.Abs(a[i] - b[i]);
            if (!(diff <= bound[i]))
                throw new Xunit.Sdk.XunitException($"{what} element {i}: sparse {a[i]:R}, dense {b[i]:R}, |diff| {diff:g3} > bound {bound[i]:g3}");
        }
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
        var scoreMap = Ops.CacScoreMap(x, k, stride, pad, 1).ToDoubleArray();
        var gyv = gy.ToDoubleArray();
        int positions = scoreMap.Length / 2;
        double gBeta = 0, gGamma = 0;
        for (int n = 0; n < 2; n++)
            for (int q = 0; q < positions; q++)
            {
                double gi = scoreMap[n * positions + q];
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
            expectedY[i] = gamma * scoreMap[n * positions + q] + beta > 0 ? ySharp[i] : ySmooth[i];
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

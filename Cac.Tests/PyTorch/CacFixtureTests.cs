using Cac.Nn;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.PyTorch;

/// <summary>
/// ContentAwareConv2d against an independent PyTorch implementation of docs/design.md section 2 (fixtures/cac_reference.py,
/// fixtures/make_cac_fixtures.py): score map, hard mask (exactly), output, and the gradients of x, weight, bias, gamma and
/// beta (straight-through, docs/design.md 2.7), through the dense and the sparse path, in float32 and float64. The fixtures
/// place beta so that every window's score is at least 1e-3 from the threshold, so rounding cannot flip a mask bit.
/// </summary>
[Trait("Category", "PyTorchFixture")]
public class CacFixtureTests
{
    public static TheoryData<string, CacPath, DType> Cases()
    {
        var data = new TheoryData<string, CacPath, DType>();
        string[] cases =
        [
            "cac_k3_s1_p1", "cac_k3_s2_p1", "cac_k5_s1_p2", "cac_k5_s2_p2", "cac_k3_d2_p2", "cac_k3_g2", "cac_k3_p0_nobias",
            "cac_k3_beta0",
            "cac_k3_s1_p1_topleft", "cac_k3_s2_p1_topleft", "cac_k5_s1_p2_topleft",
        ];
        foreach (var c in cases)
            foreach (var path in new[] { CacPath.Dense, CacPath.Sparse })
                foreach (var dtype in new[] { DType.Float32, DType.Float64 })
                    data.Add(c, path, dtype);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Layer_matches_the_pytorch_reference(string caseName, CacPath path, DType dtype) => Check(caseName, path, dtype);

    /// <summary>The checks of <see cref="Layer_matches_the_pytorch_reference"/> (also run under other CPU kernel choices).</summary>
    internal static void Check(string caseName, CacPath path, DType dtype)
    {
        var fx = FixtureFile.LoadPrecise(caseName);
        string ctx = $" ({path}, {dtype.Name()})";
        int k = fx.Int("kernel"), stride = fx.Int("stride"), padding = fx.Int("padding"), dilation = fx.Int("dilation");
        bool hasBias = fx.Bool("bias");
        var layer = new ContentAwareConv2d(fx.Int("cin"), fx.Int("cout"), k, stride, padding, dilation, fx.Int("groups"), hasBias,
            SamplePoint(fx), path, new Generator(1));
        layer.To(dtype);
        var names = hasBias ? new[] { "weight", "bias", "gamma", "beta" } : ["weight", "gamma", "beta"];
        layer.LoadStateDict(names.ToDictionary(n => n, n => fx.Tensor(n, dtype)));    // strict: Cac's names are PyTorch's

        // Bounds (FixtureBound, in the dtype under test against the float64 reference): G is a channel mean (Cin), a Sobel
        // pair (6 weighted taps each, squares, a square root) and a box mean of at most 3 x 3; y sums Cin/G k^2 products and
        // the bias (a smooth window k^2 - 1 tap additions and Cin/G products); dL/dx at most k^2 windows of Cout/G channels
        // (k^2 more for the smooth windows' tap sums); dL/dW and dL/db one term per position. dL/dgamma and dL/dbeta are one
        // sum each of +-r y (times G) over every output, 13 to 470 times smaller than the sum of its terms' magnitudes
        // (r y's, whose own errors scale with y's magnitude), so they are bounded against that magnitude (Cancelling).
        int cin = fx.Int("cin"), groups = fx.Int("groups"), cinG = cin / groups, coutG = fx.Int("cout") / groups;
        var x = fx.Tensor("x", dtype, requiresGrad: true);                                // x: (2, 4, 9, 8)
        fx.AssertClose("G", Ops.CacScoreMap(x, k, stride, padding, dilation), FixtureBound.Sums(cin + 9 + 9), ctx);   // (2, 1, Ho, Wo)
        var y = layer.Forward(x);                                                          // (2, 6, Ho, Wo)
        fx.AssertEqual("mask", layer.LastMask, ctx);
        layer.LastSharpRatio.Should().Be(fx.Double("sharp_ratio"));
        fx.AssertClose("y", y, FixtureBound.Sums((cinG + 1) * k * k + 1), ctx);

        y.Backward(fx.Tensor("r", dtype));
        int positions = y.Dims[0] * y.Dims[2] * y.Dims[3];
        fx.AssertClose("gx", x.Grad, FixtureBound.Sums((coutG + 1) * k * k), ctx);
        fx.AssertClose("gw", layer.Weight.Grad, FixtureBound.Sums(positions + 1), ctx);
        if (hasBias) fx.AssertClose("gb", layer.Bias!.Grad, FixtureBound.Sums(positions), ctx);
        var (gammaMagnitude, betaMagnitude) = ThresholdGradientMagnitudes(fx, k, stride, padding, dilation, groups, SamplePoint(fx));
        fx.AssertClose("ggamma", layer.Gamma.Grad, FixtureBound.Cancelling([gammaMagnitude]), ctx);
        fx.AssertClose("gbeta", layer.Beta.Grad, FixtureBound.Cancelling([betaMagnitude]), ctx);
    }

    // The sums of the term magnitudes behind dL/dgamma = sum of +-r y G and dL/dbeta = sum of +-r y over the outputs (sign by
    // the mask, G the window's score): sum |r| |y|mag (|G|), where |y|mag, the sum of the magnitudes of y's own terms,
    // carries y's rounding: the layer with the fixture's mask on |x|, |W|, |b| in float64 (linear in x for a fixed mask, a
    // smooth window's tap sum included as sum |w| >= |sum w|).
    private static (double Gamma, double Beta) ThresholdGradientMagnitudes(FixtureFile fx, int k, int stride, int padding, int dilation,
        int groups, CacSamplePoint point)
    {
        Tensor Abs(string name) => Ops.Abs(fx.Tensor(name, DType.Float64));
        var score = fx.Tensor("mask", DType.Float64) - 0.5;                                 // sharp where the mask is 1
        var yMagnitude = Ops.ContentAwareConv2d(Abs("x"), Abs("weight"), fx.TensorNames.Contains("bias") ? Abs("bias") : null, score,
            stride, padding, dilation, groups, point, CacPath.Dense).ToDoubleArray();
        double[] r = fx.Data("r"), scoreMap = fx.Data("G");
        var shape = fx.ShapeOf("y");
        int channels = shape[1], plane = shape[2] * shape[3];
        double gamma = 0, beta = 0;
        for (int i = 0; i < r.Length; i++)
        {
            double term = Math.Abs(r[i]) * yMagnitude[i];
            beta += term;
            gamma += term * Math.Abs(scoreMap[i / (channels * plane) * plane + i % plane]);
        }
        return (gamma, beta);
    }

    [Fact]
    public void With_beta_zero_the_layer_is_the_plain_convolution()
    {
        var fx = FixtureFile.LoadPrecise("cac_k3_beta0");
        fx.Double("sharp_ratio").Should().Be(1);
        var x = fx.Tensor("x", DType.Float64);
        var plain = Ops.Conv2d(x, fx.Tensor("weight", DType.Float64), fx.Tensor("bias", DType.Float64), fx.Int("stride"), fx.Int("padding"));
        fx.AssertClose("y", plain, FixtureBound.Sums(4 * 9 + 1));
    }

    private static CacSamplePoint SamplePoint(FixtureFile fx) => fx.String("sample_point") switch
    {
        "centre" => CacSamplePoint.Centre,
        "top_left" => CacSamplePoint.TopLeft,
        var s => throw new InvalidDataException($"fixture '{fx.Case}': unknown sample point '{s}'"),
    };
}

using Cac.Nn;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.PyTorch;

/// <summary>
/// ContentAwareConv2d against an independent PyTorch implementation of DESIGN.md section 2 (fixtures/cac_reference.py,
/// fixtures/make_cac_fixtures.py): score map, hard mask (exactly), output, and the gradients of x, weight, bias, gamma and
/// beta (straight-through, DESIGN.md 2.7), through the dense and the sparse path, in float32 and float64. The fixtures
/// place beta so that every window's score is at least 1e-3 from the threshold, so rounding cannot flip a mask bit.
/// </summary>
[Trait("Category", "PyTorchFixture")]
public class CacFixtureTests
{
    /// <summary>Largest absolute error accepted in float32 (the fixtures' reference ran in float64).</summary>
    private const double Float32Tolerance = 1e-4;

    /// <summary>Largest absolute error accepted in float64.</summary>
    private const double Float64Tolerance = 1e-9;

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
    public void Layer_matches_the_pytorch_reference(string caseName, CacPath path, DType dtype)
    {
        var fx = FixtureFile.LoadPrecise(caseName);
        double tol = dtype == DType.Float64 ? Float64Tolerance : Float32Tolerance;
        string ctx = $" ({path}, {dtype.Name()})";
        int k = fx.Int("kernel"), stride = fx.Int("stride"), padding = fx.Int("padding"), dilation = fx.Int("dilation");
        bool hasBias = fx.Bool("bias");
        var layer = new ContentAwareConv2d(fx.Int("cin"), fx.Int("cout"), k, stride, padding, dilation, fx.Int("groups"), hasBias,
            SamplePoint(fx), path, new Generator(1));
        layer.To(dtype);
        var names = hasBias ? new[] { "weight", "bias", "gamma", "beta" } : ["weight", "gamma", "beta"];
        layer.LoadStateDict(names.ToDictionary(n => n, n => fx.Tensor(n, dtype)));    // strict: Cac's names are PyTorch's

        // x: (2, 4, 9, 8); y: (2, 6, Ho, Wo); G and mask: (2, 1, Ho, Wo)
        var x = fx.Tensor("x", dtype, requiresGrad: true);
        fx.AssertClose("G", Ops.CacScoreMap(x, k, stride, padding, dilation), tol, ctx);
        var y = layer.Forward(x);
        fx.AssertEqual("mask", layer.LastMask, ctx);
        layer.LastSharpRatio.Should().Be(fx.Double("sharp_ratio"));
        fx.AssertClose("y", y, tol, ctx);

        y.Backward(fx.Tensor("r", dtype));
        fx.AssertClose("gx", x.Grad, tol, ctx);
        fx.AssertClose("gw", layer.Weight.Grad, tol, ctx);
        if (hasBias) fx.AssertClose("gb", layer.Bias!.Grad, tol, ctx);
        fx.AssertClose("ggamma", layer.Gamma.Grad, tol, ctx);
        fx.AssertClose("gbeta", layer.Beta.Grad, tol, ctx);
    }

    [Fact]
    public void With_beta_zero_the_layer_is_the_plain_convolution()
    {
        var fx = FixtureFile.LoadPrecise("cac_k3_beta0");
        fx.Double("sharp_ratio").Should().Be(1);
        var x = fx.Tensor("x", DType.Float64);
        var plain = Ops.Conv2d(x, fx.Tensor("weight", DType.Float64), fx.Tensor("bias", DType.Float64), fx.Int("stride"), fx.Int("padding"));
        fx.AssertClose("y", plain, Float64Tolerance);
    }

    private static CacSamplePoint SamplePoint(FixtureFile fx) => fx.String("sample_point") switch
    {
        "centre" => CacSamplePoint.Centre,
        "top_left" => CacSamplePoint.TopLeft,
        var s => throw new InvalidDataException($"fixture '{fx.Case}': unknown sample point '{s}'"),
    };
}

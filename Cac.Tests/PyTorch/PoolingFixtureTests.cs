using Xunit;

namespace Cac.Tests.PyTorch;

/// <summary>Max, average and adaptive average pooling against PyTorch's functional pooling.</summary>
[Trait("Category", "PyTorchFixture")]
public class PoolingFixtureTests
{
    [Theory]
    [InlineData("max_pool2d_k2_s2")]
    [InlineData("max_pool2d_k3_s2_p1")]
    [InlineData("avg_pool2d_k2_s2")]
    [InlineData("avg_pool2d_k3_s1_p1_incl")]
    [InlineData("avg_pool2d_k3_s1_p1_excl")]
    [InlineData("adaptive_avg_pool2d_1x1")]
    [InlineData("adaptive_avg_pool2d_7x7_to_3x3")]
    [InlineData("adaptive_avg_pool2d_7x6_to_3x4")]
    public void Matches_pytorch(string caseName)
    {
        var fx = FixtureFile.Load(caseName);
        var x = fx.Tensor("x", requiresGrad: true); // (2, 3, 7, 6) or (2, 3, 7, 7)
        var y = fx.String("op") switch
        {
            "max" => Ops.MaxPool2d(x, fx.Int("kernel"), fx.Int("stride"), fx.Int("padding")),
            "avg" => Ops.AvgPool2d(x, fx.Int("kernel"), fx.Int("stride"), fx.Int("padding"), fx.Bool("count_include_pad")),
            "adaptive" => Ops.AdaptiveAvgPool2d(x, fx.Int("out_h"), fx.Int("out_w")),
            var op => throw new InvalidDataException($"{caseName}: unknown pooling op '{op}'"),
        };
        // Bounds (FixtureBound.Sums): max pooling selects (y is exact; dL/dx adds the gradients of the at most ceil(k / s)^2
        // windows a pixel is the maximum of); average pooling sums k^2 values and divides, and a pixel lies in at most
        // ceil(k / s)^2 windows; adaptive bins hold at most (ceil(H / Ho) + 1) (ceil(W / Wo) + 1) pixels, each pixel in at
        // most 2 x 2 bins.
        var (yTerms, gxTerms) = fx.String("op") switch
        {
            "max" => (1, Overlaps(fx)),
            "avg" => (fx.Int("kernel") * fx.Int("kernel") + 1, Overlaps(fx) + 1),
            _ => (((x.Dims[2] + y.Dims[2] - 1) / y.Dims[2] + 1) * ((x.Dims[3] + y.Dims[3] - 1) / y.Dims[3] + 1) + 1, 4 + 1),
        };
        fx.AssertClose("y", y, FixtureBound.Sums(yTerms));

        y.Backward(fx.Tensor("r"));
        fx.AssertClose("gx", x.Grad, FixtureBound.Sums(gxTerms));
    }

    private static int Overlaps(FixtureFile fx)
    {
        int perAxis = (fx.Int("kernel") + fx.Int("stride") - 1) / fx.Int("stride");
        return perAxis * perAxis;
    }
}

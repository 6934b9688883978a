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
        fx.AssertClose("y", y);

        y.Backward(fx.Tensor("r"));
        fx.AssertClose("gx", x.Grad);
    }
}

using Xunit;

namespace Cac.Tests.PyTorch;

/// <summary>Ops.Conv2d forward and backward against PyTorch's F.conv2d (fixtures/make_fixtures.py).</summary>
[Trait("Category", "PyTorchFixture")]
public class Conv2dFixtureTests
{
    [Theory]
    [InlineData("conv2d_k3_s1_p1")]
    [InlineData("conv2d_k3_s2_p1")]
    [InlineData("conv2d_k3_d2_p2")]
    [InlineData("conv2d_k3_g2")]
    [InlineData("conv2d_k3_depthwise")]
    [InlineData("conv2d_k5_s2_p2")]
    [InlineData("conv2d_k1")]
    public void Matches_pytorch(string caseName)
    {
        var fx = FixtureFile.Load(caseName);
        // x: (2, Cin, 7, 6), weight: (Cout, Cin/groups, k, k), bias: (Cout)
        var x = fx.Tensor("x", requiresGrad: true);
        var w = fx.Tensor("weight", requiresGrad: true);
        var b = fx.Tensor("bias", requiresGrad: true);
        var y = Ops.Conv2d(x, w, b, fx.Int("stride"), fx.Int("padding"), fx.Int("dilation"), fx.Int("groups"));
        // Bounds (FixtureBound.Sums): y sums Cin/G k^2 products and the bias; dL/dx at most k^2 windows of Cout/G channels;
        // dL/dW and dL/db one term per output position.
        int k = w.Dims[2], coutG = w.Dims[0] / fx.Int("groups"), positions = y.Dims[0] * y.Dims[2] * y.Dims[3];
        fx.AssertClose("y", y, FixtureBound.Sums(w.Dims[1] * k * k + 1));

        y.Backward(fx.Tensor("r"));
        fx.AssertClose("gx", x.Grad, FixtureBound.Sums(coutG * k * k));
        fx.AssertClose("gw", w.Grad, FixtureBound.Sums(positions));
        fx.AssertClose("gb", b.Grad, FixtureBound.Sums(positions));
    }
}

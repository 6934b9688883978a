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
        fx.AssertClose("y", y);

        y.Backward(fx.Tensor("r"));
        fx.AssertClose("gx", x.Grad);
        fx.AssertClose("gw", w.Grad);
        fx.AssertClose("gb", b.Grad);
    }
}

using Xunit;

namespace Cac.Tests.PyTorch;

/// <summary>
/// Bilinear resizing against PyTorch's F.interpolate(x, size, mode="bilinear", align_corners): up by non-integer ratios,
/// down, and 8x as FCN's upsampling of an output-stride-8 map to the input size, with both corner conventions.
/// </summary>
[Trait("Category", "PyTorchFixture")]
public class UpsampleFixtureTests
{
    [Theory]
    [InlineData("upsample_bilinear_up")]
    [InlineData("upsample_bilinear_up_align_corners")]
    [InlineData("upsample_bilinear_down")]
    [InlineData("upsample_bilinear_down_align_corners")]
    [InlineData("upsample_bilinear_x8")]
    public void Matches_pytorch(string caseName)
    {
        var fx = FixtureFile.Load(caseName);
        var x = fx.Tensor("x", requiresGrad: true); // (2, 3, 5, 4)
        int outH = fx.Int("out_h"), outW = fx.Int("out_w");
        var y = Ops.Upsample(x, outH, outW, UpsampleMode.Bilinear, fx.Bool("align_corners"));
        // Bounds (FixtureBound.Sums): an output blends 4 taps with weights computed from the coordinates (2 more roundings);
        // an input pixel receives the gradients of at most (ceil(outH / H) + 1) (ceil(outW / W) + 1) outputs.
        fx.AssertClose("y", y, FixtureBound.Sums(4 + 2));

        y.Backward(fx.Tensor("r"));
        int reach = ((outH + 4) / 5 + 1) * ((outW + 3) / 4 + 1);
        fx.AssertClose("gx", x.Grad, FixtureBound.Sums(reach + 2));
    }
}

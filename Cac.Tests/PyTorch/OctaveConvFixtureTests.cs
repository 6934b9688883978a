using Cac.Nn;
using Xunit;

namespace Cac.Tests.PyTorch;

/// <summary>
/// OctaveConv2d against a PyTorch transcription of the reference OctConv (fixtures/make_octave_fixtures.py):
/// both outputs, both input gradients and every path weight's gradient, for stride 1 and 2 and for the first
/// (alpha_in = 0) and last (alpha_out = 0) layer kinds.
/// </summary>
[Trait("Category", "PyTorchFixture")]
public class OctaveConvFixtureTests
{
    [Theory]
    [InlineData("octave_conv_a0_a05_s1")]
    [InlineData("octave_conv_a05_a05_s1")]
    [InlineData("octave_conv_a05_a05_s2")]
    [InlineData("octave_conv_a05_a0_s2")]
    [InlineData("octave_conv_a0_a05_s2")]
    public void Matches_the_reference_octave_convolution(string caseName)
    {
        var fx = FixtureFile.Load(caseName);
        var conv = new OctaveConv2d(fx.Int("cin"), fx.Int("cout"), fx.Int("kernel"), fx.Double("alpha_in"), fx.Double("alpha_out"),
            fx.Int("stride"), fx.Int("padding"), generator: new Generator(1));
        var paths = conv.NamedParameters().Select(p => p.Name).ToList();
        conv.LoadStateDict(paths.ToDictionary(n => n, n => fx.Tensor(n)));   // strict: the path names match the reference

        var xh = fx.Tensor("x_h", requiresGrad: true);
        var xl = fx.TensorNames.Contains("x_l") ? fx.Tensor("x_l", requiresGrad: true) : null;
        var y = conv.Forward(new OctaveTensor(xh, xl));
        // Bounds (FixtureBound.Sums): every path is a k x k conv over at most Cin input channels, the paths to the low part
        // after a 2 x 2 average pool of the high input, and an output adds two paths (the low-to-high one upsampled):
        // Cin k^2 + 4 + 2. The input gradients sum at most k^2 windows of Cout channels through the pool or the upsampling
        // (4 each); a path weight's gradient one term per output position of the part it writes, at most N H W.
        int k = fx.Int("kernel");
        int yTerms = fx.Int("cin") * k * k + 6, gxTerms = fx.Int("cout") * k * k + 8, gwTerms = xh.Dims[0] * xh.Dims[2] * xh.Dims[3] + 4;
        fx.AssertClose("y_h", y.High, FixtureBound.Sums(yTerms));
        var loss = Ops.Sum(y.High * fx.Tensor("r_h"));
        if (fx.TensorNames.Contains("y_l"))
        {
            fx.AssertClose("y_l", y.Low, FixtureBound.Sums(yTerms));
            loss = loss + Ops.Sum(y.Low! * fx.Tensor("r_l"));
        }
        else
        {
            Assert.Null(y.Low);
        }
        loss.Backward();
        fx.AssertClose("gx_h", xh.Grad, FixtureBound.Sums(gxTerms));
        if (xl is not null) fx.AssertClose("gx_l", xl.Grad, FixtureBound.Sums(gxTerms));
        foreach (var (name, p) in conv.NamedParameters())
            fx.AssertClose(name + ".grad", p.Grad, FixtureBound.Sums(gwTerms));
    }
}

using Xunit;

namespace Cac.Tests.PyTorch;

/// <summary>Per-pixel cross-entropy with ignore_index 255 and class weights against PyTorch's F.cross_entropy.</summary>
[Trait("Category", "PyTorchFixture")]
public class PixelCrossEntropyFixtureTests
{
    [Theory]
    [InlineData("pixel_cross_entropy")]
    [InlineData("pixel_cross_entropy_weighted")]
    public void Matches_pytorch(string caseName)
    {
        var fx = FixtureFile.Load(caseName);
        var logits = fx.Tensor("logits", requiresGrad: true); // (2, 4, 3, 5)
        var labels = fx.Labels("labels");                      // Int32 (2, 3, 5), some 255
        double[]? weight = caseName.EndsWith("weighted") ? fx.Data("weight") : null;
        var loss = Ops.PixelCrossEntropy(logits, labels, weight, fx.Int("ignore_index"));
        // Bounds (FixtureBound.Sums): log-sum-exp over 4 classes, the weighted sum over 30 pixels and its division; the
        // gradient is a softmax over 4 classes, scaled by a pixel's weight over the weight sum (30 terms).
        fx.AssertClose("loss", loss, FixtureBound.Sums(4 + 30 + 2));

        loss.Backward();
        fx.AssertClose("glogits", logits.Grad, FixtureBound.Sums(4 + 30 + 2));
    }
}

using Xunit;

namespace Cac.Tests.PyTorch;

/// <summary>Mean softmax cross-entropy against PyTorch's F.cross_entropy.</summary>
[Trait("Category", "PyTorchFixture")]
public class CrossEntropyFixtureTests
{
    [Fact]
    public void Matches_pytorch()
    {
        var fx = FixtureFile.Load("cross_entropy");
        var logits = fx.Tensor("logits", requiresGrad: true); // (8, 10), scaled so that some rows are confident
        var labels = fx.Labels("labels");                      // Int32 (8)
        var loss = Ops.CrossEntropy(logits, labels);
        // Bounds (FixtureBound.Sums): log-sum-exp over 10 classes, the mean over 8 rows; the gradient is a softmax over 10.
        fx.AssertClose("loss", loss, FixtureBound.Sums(10 + 8 + 2));

        loss.Backward();
        fx.AssertClose("glogits", logits.Grad, FixtureBound.Sums(10 + 2));
    }
}

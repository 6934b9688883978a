using Xunit;

namespace Cac.Tests.PyTorch;

/// <summary>Ops.BatchNorm2d in training and evaluation mode against PyTorch's F.batch_norm.</summary>
[Trait("Category", "PyTorchFixture")]
public class BatchNormFixtureTests
{
    [Theory]
    [InlineData("batchnorm2d_train")]
    [InlineData("batchnorm2d_eval")]
    public void Matches_pytorch(string caseName)
    {
        var fx = FixtureFile.Load(caseName);
        bool training = fx.Bool("training");
        // x: (4, 3, 5, 5); weight, bias, running stats: (3)
        var x = fx.Tensor("x", requiresGrad: true);
        var w = fx.Tensor("weight", requiresGrad: true);
        var b = fx.Tensor("bias", requiresGrad: true);
        var runningMean = fx.Tensor("running_mean");
        var runningVar = fx.Tensor("running_var");
        var y = Ops.BatchNorm2d(x, w, b, runningMean, runningVar, training, fx.Double("momentum"), fx.Double("eps"));
        fx.AssertClose("y", y);

        y.Backward(fx.Tensor("r"));
        fx.AssertClose("gx", x.Grad);
        fx.AssertClose("gw", w.Grad);
        fx.AssertClose("gb", b.Grad);

        // Training updates the running statistics in place (unbiased variance); evaluation leaves them alone.
        fx.AssertClose(training ? "running_mean_after" : "running_mean", runningMean);
        fx.AssertClose(training ? "running_var_after" : "running_var", runningVar);
    }
}

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
        // Bounds (FixtureBound.Sums), m = N H W = 100 values per channel: in training every output depends on the channel's
        // mean and variance (sums of m), dL/dx also on two sums of m in the backward, dL/dw = sum r xhat and dL/db = sum r
        // add m more; in evaluation y and dL/dx are a few operations per element, dL/dw and dL/db sums of m.
        int m = x.Dims[0] * x.Dims[2] * x.Dims[3];
        fx.AssertClose("y", y, FixtureBound.Sums(training ? m : 4));

        y.Backward(fx.Tensor("r"));
        fx.AssertClose("gx", x.Grad, FixtureBound.Sums(training ? 2 * m : 2));
        fx.AssertClose("gw", w.Grad, FixtureBound.Sums(training ? 2 * m : m + 4));
        fx.AssertClose("gb", b.Grad, FixtureBound.Sums(m));

        // Training updates the running statistics in place (unbiased variance); evaluation leaves them alone.
        fx.AssertClose(training ? "running_mean_after" : "running_mean", runningMean, FixtureBound.Sums(training ? m : 1));
        fx.AssertClose(training ? "running_var_after" : "running_var", runningVar, FixtureBound.Sums(training ? m : 1));
    }
}

using Xunit;

namespace Cac.Tests.PyTorch;

/// <summary>
/// Two steps of SGD with Nesterov momentum and weight decay on Linear(5, 3) + cross-entropy, against
/// torch.optim.SGD: loss, gradients and parameters after each step (step 2 uses the momentum buffer).
/// </summary>
[Trait("Category", "PyTorchFixture")]
public class SgdFixtureTests
{
    [Fact]
    public void Two_nesterov_steps_match_pytorch()
    {
        var fx = FixtureFile.Load("sgd_nesterov");
        var x = fx.Tensor("x");              // (6, 5)
        var labels = fx.Labels("labels");    // Int32 (6)
        var weight = fx.Tensor("weight0", requiresGrad: true); // (3, 5)
        var bias = fx.Tensor("bias0", requiresGrad: true);     // (3)
        var sgd = new Cac.Optim.Sgd([weight, bias], fx.Double("lr"), fx.Double("momentum"),
            fx.Double("dampening"), fx.Double("weight_decay"), fx.Bool("nesterov"));

        for (int step = 1; step <= 2; step++)
        {
            sgd.ZeroGrad();
            var loss = Ops.CrossEntropy(Ops.Linear(x, weight, bias), labels);
            // Bounds (FixtureBound.Sums): the loss sums 5 products and the bias, log-sum-exp over 3 classes and the mean over 6
            // rows (15); the gradients add sums over the 6 rows (21); the step a few operations (24); step 2 starts from step
            // 1's parameters and momentum (24 more).
            int before = 24 * (step - 1);
            fx.AssertClose($"loss{step}", loss, FixtureBound.Sums(before + 15));
            loss.Backward();
            fx.AssertClose($"weight_grad{step}", weight.Grad, FixtureBound.Sums(before + 21));
            fx.AssertClose($"bias_grad{step}", bias.Grad, FixtureBound.Sums(before + 21));
            sgd.Step();
            fx.AssertClose($"weight{step}", weight, FixtureBound.Sums(before + 24));
            fx.AssertClose($"bias{step}", bias, FixtureBound.Sums(before + 24));
        }
    }
}

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
            fx.AssertClose($"loss{step}", loss);
            loss.Backward();
            fx.AssertClose($"weight_grad{step}", weight.Grad);
            fx.AssertClose($"bias_grad{step}", bias.Grad);
            sgd.Step();
            fx.AssertClose($"weight{step}", weight);
            fx.AssertClose($"bias{step}", bias);
        }
    }
}

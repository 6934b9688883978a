using Xunit;

namespace Cac.Tests.PyTorch;

/// <summary>
/// A CIFAR ResNet basic block with a projection shortcut, built from Ops, in training mode, against the
/// same block in PyTorch: output, input gradient, every parameter gradient and the updated running statistics.
/// </summary>
[Trait("Category", "PyTorchFixture")]
public class BasicBlockFixtureTests
{
    private static readonly string[] Parameters =
    [
        "conv1.weight", "bn1.weight", "bn1.bias", "conv2.weight", "bn2.weight", "bn2.bias",
        "shortcut.0.weight", "shortcut.1.weight", "shortcut.1.bias",
    ];

    private static readonly string[] BatchNorms = ["bn1", "bn2", "shortcut.1"];

    [Fact]
    public void Matches_pytorch_in_training_mode()
    {
        var fx = FixtureFile.Load("basic_block_train");
        int stride = fx.Int("stride");
        double momentum = fx.Double("momentum"), eps = fx.Double("eps");
        var p = Parameters.ToDictionary(n => n, n => fx.Tensor(n, requiresGrad: true));
        foreach (var bn in BatchNorms)
        {
            p[bn + ".running_mean"] = fx.Tensor(bn + ".running_mean");
            p[bn + ".running_var"] = fx.Tensor(bn + ".running_var");
        }
        Tensor Bn(string name, Tensor t) => Ops.BatchNorm2d(t, p[name + ".weight"], p[name + ".bias"],
            p[name + ".running_mean"], p[name + ".running_var"], training: true, momentum, eps);

        var x = fx.Tensor("x", requiresGrad: true);                                                // (2, 4, 8, 8)
        var h = Ops.Relu(Bn("bn1", Ops.Conv2d(x, p["conv1.weight"], null, stride, padding: 1))); // (2, 8, 4, 4)
        h = Bn("bn2", Ops.Conv2d(h, p["conv2.weight"], null, 1, padding: 1));
        var shortcut = Bn("shortcut.1", Ops.Conv2d(x, p["shortcut.0.weight"], null, stride, padding: 0));
        var y = Ops.Relu(h + shortcut);                                                            // (2, 8, 4, 4)
        fx.AssertClose("y", y);

        Ops.Sum(y * fx.Tensor("r")).Backward();
        fx.AssertClose("gx", x.Grad);
        foreach (var name in Parameters)
            fx.AssertClose(name + ".grad", p[name].Grad);
        foreach (var bn in BatchNorms)
        {
            fx.AssertClose(bn + ".running_mean.after", p[bn + ".running_mean"]);
            fx.AssertClose(bn + ".running_var.after", p[bn + ".running_var"]);
        }
    }
}

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
        // Bounds (FixtureBound.Sums), the reduction lengths along the longest chain: conv1 sums 4 x 9 products, each batch
        // norm statistics over N H W = 32, conv2 8 x 9, the shortcut conv 4: y 36 + 32 + 72 + 32 + 3 = 175. The backward
        // adds bn2 (2 x 32), conv2's input gradient (72), bn1 (2 x 32) and conv1's input or weight gradient (72 or 32):
        // 175 + 272 = 447 for dL/dx and every parameter gradient. The running statistics follow their batch norm's input:
        // bn1 after conv1 (36 + 32), bn2 after the main branch (36 + 32 + 72 + 32), the shortcut's after its conv (4 + 32).
        fx.AssertClose("y", y, FixtureBound.Sums(175));

        Ops.Sum(y * fx.Tensor("r")).Backward();
        fx.AssertClose("gx", x.Grad, FixtureBound.Sums(447));
        foreach (var name in Parameters)
            fx.AssertClose(name + ".grad", p[name].Grad, FixtureBound.Sums(447));
        var statisticsTerms = new Dictionary<string, int> { ["bn1"] = 68, ["bn2"] = 172, ["shortcut.1"] = 36 };
        foreach (var bn in BatchNorms)
        {
            fx.AssertClose(bn + ".running_mean.after", p[bn + ".running_mean"], FixtureBound.Sums(statisticsTerms[bn]));
            fx.AssertClose(bn + ".running_var.after", p[bn + ".running_var"], FixtureBound.Sums(statisticsTerms[bn]));
        }
    }
}

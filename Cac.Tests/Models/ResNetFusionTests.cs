using Cac.Models;
using Cac.Nn;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Models;

/// <summary>
/// ResNet inference with conv + batch norm (+ residual) (+ ReLU) fused (eval mode, no graph) against the unfused
/// eval forward (eval mode with a graph, which must not fuse), on a network whose batch norms have non-trivial
/// running statistics and affine parameters.
/// </summary>
public class ResNetFusionTests
{
    [Theory]
    [InlineData(DType.Float32, 1e-4)]
    [InlineData(DType.Float64, 1e-12)]
    public void Fused_eval_forward_equals_the_unfused_eval_forward(DType dtype, double relTol)
    {
        var net = ModelRegistry.Create("resnet20", 3, 10, new Generator(7));
        if (dtype == DType.Float64) net.To(DType.Float64);
        Randomise(net, dtype);
        net.Eval();
        var x = RandF(8, 3, 3, 12, 12).To(dtype);

        var unfused = net.Forward(x).ToDoubleArray();   // autograd on: the blocks run their layers one by one
        double[] fused;
        using (Autograd.NoGrad()) fused = net.Forward(x).ToDoubleArray();

        double scale = unfused.Max(Math.Abs);
        scale.Should().BeGreaterThan(0);
        for (int i = 0; i < fused.Length; i++)
            Math.Abs(fused[i] - unfused[i]).Should().BeLessThanOrEqualTo(relTol * scale, $"logit {i}");
    }

    [Fact]
    public void Fusion_is_not_used_in_training_mode_or_with_a_graph()
    {
        var conv = new Conv2d(2, 3, 3, padding: 1, bias: false);
        var bn = new BatchNorm2d(3);
        using (Autograd.NoGrad()) ConvBnFusion.CanFuse(conv, bn).Should().BeFalse("the modules are in training mode");
        conv.Eval();
        bn.Eval();
        ConvBnFusion.CanFuse(conv, bn).Should().BeFalse("autograd is recording");
        using (Autograd.NoGrad()) ConvBnFusion.CanFuse(conv, bn).Should().BeTrue();
        var act = () => ConvBnFusion.Forward(conv, bn, RandF(1, 1, 2, 4, 4), null, true);
        act.Should().Throw<ArgumentException>().WithMessage("*cannot be fused*");
    }

    // Batch norm weight, bias, running mean and (positive) running variance drawn at random, so folding them matters.
    private static void Randomise(Module net, DType dtype)
    {
        int seed = 100;
        using var _ = Autograd.NoGrad();
        foreach (var (_, m) in net.NamedModules())
        {
            if (m is not BatchNorm2d bn) continue;
            int c = bn.NumFeatures;
            bn.Weight.CopyFrom(Ops.Affine(RandF(seed++, c), 0.3, 1).To(dtype));
            bn.Bias.CopyFrom(Ops.Affine(RandF(seed++, c), 0.2, 0).To(dtype));
            bn.RunningMean.CopyFrom(Ops.Affine(RandF(seed++, c), 0.5, 0).To(dtype));
            bn.RunningVar.CopyFrom(Ops.Affine(Ops.Mul(RandF(seed, c), RandF(seed + 1, c)), 0.2, 1.5).To(dtype));
            seed += 2;
        }
    }
}

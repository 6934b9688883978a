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

    // A hook that observes nothing: installed, it makes the network run its layers one by one.
    private sealed class NoOpHook : IForwardHook
    {
        public void Enter(Module module)
        {
        }

        public void Exit(Module module, object input, object? output)
        {
        }
    }

    [Fact]
    public void Eval_forward_without_a_graph_runs_the_fused_plans()
    {
        var net = ModelRegistry.Create("resnet20", 3, 10, new Generator(7));
        Randomise(net, DType.Float32);
        net.Eval();
        var x = RandF(8, 2, 3, 12, 12);
        using var _ = Autograd.NoGrad();
        float[] layered;
        using (ForwardHooks.Install(new NoOpHook())) layered = net.Forward(x).ToFloatArray();
        var fused = ((IFusedInference)net).FusedForward(x).ToFloatArray();
        fused.Should().NotEqual(layered, "folding the batch norms rounds differently, so the test can tell the paths apart");
        net.Forward(x).ToFloatArray().Should().Equal(fused);
        var plans = net.NamedModules().Select(m => m.Module).OfType<IFusedInference>().ToList();
        plans.Should().HaveCount(1 + 9, "the network and its nine blocks");
        plans.Should().OnlyContain(m => m.CanFuse);
    }

    [Fact]
    public void Content_aware_blocks_have_nothing_to_fuse()
    {
        var net = ModelRegistry.Create("cac-resnet20", 3, 10, new Generator(7));
        net.Eval();
        using var _ = Autograd.NoGrad();
        var plans = net.NamedModules().Select(m => m.Module).OfType<IFusedInference>().ToList();
        plans.Should().HaveCount(1 + 9);
        plans.Should().OnlyContain(m => !m.CanFuse);
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

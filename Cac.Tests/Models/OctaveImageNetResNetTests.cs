using Cac.Madds;
using Cac.Models;
using Cac.Models.ResNet;
using Cac.Nn;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Models;

/// <summary>Octave ImageNet ResNets: where the octave layers start and stop, parameters and MAdds against the plain models.</summary>
public class OctaveImageNetResNetTests
{
    [Theory]
    [InlineData(18, 64L * 64 + 2 * 64)]
    [InlineData(50, 0L)]
    public void Octave_splitting_keeps_every_weight_so_the_parameter_count_equals_the_plain_model(int depth, long extraProjection)
    {
        // Each octave conv's four paths partition the plain conv's weight; octave BN partitions the plain BN. A basic
        // block whose input split changes needs a projection that the plain model lacks: layer1.0 of Oct-ResNet-18
        // (64 channels, alpha 0 -> 0.5) gets a 1x1 octave conv + BN; ResNet-50's layer1.0 has a downsample anyway.
        ModelRegistry.Create($"oct-resnet{depth}", new Generator(0)).ParameterCount()
            .Should().Be(ModelRegistry.Create($"resnet{depth}", new Generator(0)).ParameterCount() + extraProjection);
    }

    [Fact]
    public void Oct_resnet50_enters_at_layer1_and_leaves_at_layer4()
    {
        var net = new OctaveImageNetResNet(50, generator: new Generator(0));
        var names = net.NamedParameters().Select(p => p.Name).ToHashSet();
        names.Should().Contain(["conv1.weight", "layer1.0.conv1.h2h.weight", "layer1.0.conv1.h2l.weight", "layer1.0.downsample.0.h2l.weight",
            "layer2.0.conv2.l2l.weight", "layer3.5.conv3.l2h.weight", "layer4.0.conv1.l2h.weight", "layer4.0.downsample.0.l2h.weight",
            "layer4.2.conv2.h2h.weight", "fc.weight"]);
        names.Should().NotContain(["layer1.0.conv1.l2h.weight", "layer4.0.conv1.h2l.weight", "layer4.0.conv2.l2l.weight",
            "layer4.1.conv1.l2h.weight", "layer4.0.bn1.bn_l.weight", "conv1.h2h.weight"]);
        var conv = (OctaveConv2d)net.NamedModules().Single(m => m.Name == "layer2.0.conv2").Module;
        (conv.InHigh, conv.InLow, conv.OutHigh, conv.OutLow, conv.Stride).Should().Be((64, 64, 64, 64, 2));
    }

    [Fact]
    public void Oct_resnet_madds_lie_between_a_quarter_and_the_plain_count()
    {
        long plain = MaddsCounter.Count(ModelRegistry.Create("resnet18", new Generator(0)), 1, 3, 64, 64).TotalMadds;
        long octave = MaddsCounter.Count(ModelRegistry.Create("oct-resnet18", new Generator(0)), 1, 3, 64, 64).TotalMadds;
        octave.Should().BeLessThan(plain).And.BeGreaterThan(plain / 4);
    }

    [Fact]
    public void Oct_resnet_trains_end_to_end_every_parameter_receiving_a_gradient()
    {
        var net = new OctaveImageNetResNet(18, numClasses: 3, generator: new Generator(2));
        var logits = net.Forward(RandF(4, 2, 3, 32, 32));
        logits.Dims.ToArray().Should().Equal(2, 3);
        Ops.CrossEntropy(logits, Tensor.FromArray([0, 2], [2])).Backward();
        ModelAssertions.EveryParameterShouldGetANonZeroGradient(net);
    }

    [Fact]
    public void Plain_and_octave_imagenet_resnets_refuse_the_other_conv_kind_and_unknown_depths()
    {
        ((Action)(() => new ImageNetResNet(18, convType: ConvType.Octave))).Should().Throw<ArgumentException>().WithMessage("*OctaveImageNetResNet*");
        ((Action)(() => new OctaveImageNetResNet(50, convType: ConvType.Standard))).Should().Throw<ArgumentException>().WithMessage("*ImageNetResNet*");
        ((Action)(() => new ImageNetResNet(20))).Should().Throw<ArgumentException>().WithMessage("*18, 34, 50, 101 or 152*20*");
        ((Action)(() => new Bottleneck(64, 64, 1, new ConvFactory(ConvType.Octave)))).Should().Throw<ArgumentException>().WithMessage("*OctaveBottleneck*");
    }
}

using Cac.Models;
using Cac.Models.ResNet;
using Cac.Nn;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Models;

/// <summary>The CIFAR ResNets by conv type: names, shapes and parameters.</summary>
public class ResNetModelTests
{
    [Fact]
    public void Registry_lists_standard_and_octave_resnets()
    {
        ModelRegistry.Names.Should().Contain(["resnet20", "resnet32", "resnet56", "resnet110", "oct-resnet20", "oct-resnet32", "oct-resnet56", "oct-resnet110"]);
        ModelRegistry.Create("oct-resnet56", 3, 10).Should().BeOfType<OctaveCifarResNet>().Which.BlocksPerStage.Should().Be(9);
        ModelRegistry.Create("resnet110", 3, 10).Should().BeOfType<CifarResNet>().Which.ConvType.Should().Be(ConvType.Standard);
        ((Action)(() => ModelRegistry.Create("resnet21", 3, 10))).Should().Throw<ArgumentException>().WithMessage("*unknown model 'resnet21'*oct-resnet20*");
    }

    [Fact]
    public void Standard_resnet20_keeps_the_pytorch_parameter_names_and_count()
    {
        var net = ModelRegistry.Create("resnet20", 3, 10);
        var names = net.NamedParameters().Select(p => p.Name).ToList();
        names.Take(6).Should().Equal("conv1.weight", "bn1.weight", "bn1.bias", "layer1.0.conv1.weight", "layer1.0.bn1.weight", "layer1.0.bn1.bias");
        names.Should().Contain(["layer2.0.shortcut.0.weight", "layer2.0.shortcut.1.weight", "layer3.2.conv2.weight", "fc.weight", "fc.bias"]);
        names.Should().NotContain(n => n.StartsWith("layer1.0.shortcut", StringComparison.Ordinal));
        // 3x3 convs: 16*3*9 + 6*16*16*9 + (16*32 + 5*32*32)*9 + (32*64 + 5*64*64)*9; projections 16*32 + 32*64;
        // BN (7 per width: the stem or 6 in blocks, plus the projection BN): 2 * 7 * (16 + 32 + 64); fc 64*10 + 10.
        long expected = 16 * 3 * 9 + 6 * 16 * 16 * 9 + (16 * 32 + 5 * 32 * 32) * 9 + (32 * 64 + 5 * 64 * 64) * 9 + 16 * 32 + 32 * 64
                        + 2 * 7 * (16 + 32 + 64) + 64 * 10 + 10;
        net.ParameterCount().Should().Be(expected);
    }

    [Fact]
    public void Oct_resnet20_splits_every_block_and_merges_at_the_ends()
    {
        var net = ModelRegistry.Create("oct-resnet20", 3, 10);
        var names = net.NamedParameters().Select(p => p.Name).ToHashSet();
        names.Should().Contain(["conv1.weight", "layer1.0.conv1.h2h.weight", "layer1.0.conv1.h2l.weight", "layer1.0.bn1.bn_l.weight",
            "layer1.0.shortcut.0.h2l.weight", "layer1.0.shortcut.1.bn_l.bias", "layer2.1.conv1.l2l.weight", "layer2.0.shortcut.0.l2h.weight",
            "layer3.2.conv2.l2h.weight", "layer3.2.shortcut.0.h2h.weight", "fc.weight"]);
        names.Should().NotContain(["layer1.0.conv1.l2h.weight", "layer1.0.conv1.l2l.weight", "layer3.2.conv2.h2l.weight",
            "layer3.2.conv2.l2l.weight", "layer3.2.bn2.bn_l.weight", "layer1.1.shortcut.0.h2h.weight", "conv1.h2h.weight"]);
        var conv = (OctaveConv2d)net.NamedModules().Single(m => m.Name == "layer2.0.conv1").Module;
        (conv.InHigh, conv.InLow, conv.OutHigh, conv.OutLow, conv.Stride).Should().Be((8, 8, 16, 16, 2));
    }

    [Fact]
    public void Oct_resnet_trains_end_to_end_every_parameter_receiving_a_gradient()
    {
        var net = new OctaveCifarResNet(1, inChannels: 3, numClasses: 4, generator: new Generator(3));
        var logits = net.Forward(RandF(4, 2, 3, 16, 16));
        logits.Dims.ToArray().Should().Equal(2, 4);
        Ops.CrossEntropy(logits, Tensor.FromArray([0, 3], [2])).Backward();
        ModelAssertions.EveryParameterShouldGetANonZeroGradient(net);
    }

    [Fact]
    public void Standard_and_octave_blocks_refuse_the_other_conv_kind()
    {
        ((Action)(() => new BasicBlock(4, 4, 1, new ConvFactory(ConvType.Octave)))).Should().Throw<ArgumentException>().WithMessage("*OctaveBasicBlock*");
        ((Action)(() => new OctaveBasicBlock(4, 4, 1, 0.5, 0.5, new ConvFactory(ConvType.Standard)))).Should().Throw<ArgumentException>().WithMessage("*BasicBlock*");
        ((Action)(() => new CifarResNet(3, convType: ConvType.Octave))).Should().Throw<ArgumentException>().WithMessage("*OctaveCifarResNet*");
        ((Action)(() => new OctaveCifarResNet(3, convType: ConvType.Standard))).Should().Throw<ArgumentException>().WithMessage("*CifarResNet*");
    }
}

using Cac.Models;
using Cac.Models.DenseNet;
using Cac.Models.ShuffleNet;
using Cac.Nn;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Models;

/// <summary>The registry's names, model information and conv-type prefixes.</summary>
public class ModelRegistryTests
{
    [Fact]
    public void Zoo_models_are_registered_with_their_default_inputs()
    {
        ModelRegistry.Names.Should().Contain(["resnet18", "resnet50", "oct-resnet18", "oct-resnet50", "densenet121", "densenet121-cifar",
            "shufflenetv2", "shufflenetv2-cifar", "resnet20", "oct-resnet110"]);
        ModelRegistry.Names.Should().NotContain(["oct-shufflenetv2", "oct-shufflenetv2-cifar"]);
        ModelRegistry.Info("oct-resnet50").Should().Be(new ModelInfo("oct-resnet50", "resnet50", "resnet", ConvType.Octave, "imagenet", 3, 224, 1000));
        ModelRegistry.Info("DenseNet121-CIFAR").Should().Be(new ModelInfo("densenet121-cifar", "densenet121-cifar", "densenet", ConvType.Standard, "cifar10", 3, 32, 10));
        ModelRegistry.Info("shufflenetv2").InputShape(4).Should().Equal(4, 3, 224, 224);
        ((Action)(() => ModelRegistry.Info("resnet19"))).Should().Throw<ArgumentException>().WithMessage("*unknown model 'resnet19'*densenet121*");
    }

    [Fact]
    public void Every_listed_model_has_a_unique_name_made_of_its_prefix_and_base_name()
    {
        ModelRegistry.Models.Select(m => m.Name).Should().OnlyHaveUniqueItems().And.Equal(ModelRegistry.Names);
        foreach (var m in ModelRegistry.Models)
            m.Name.Should().Be(ModelRegistry.Prefix(m.ConvType) + m.BaseName);
        ModelRegistry.Prefix(ConvType.Standard).Should().BeEmpty();
        ModelRegistry.Prefix(ConvType.Octave).Should().Be("oct-");
    }

    [Fact]
    public void Create_builds_the_named_architecture_with_the_requested_classes()
    {
        ModelRegistry.Create("densenet121-cifar", 1, 7).Should().BeOfType<DenseNetBC>().Which.CifarStem.Should().BeTrue();
        var shuffle = ModelRegistry.Create("shufflenetv2", new Generator(0)).Should().BeOfType<ShuffleNetV2>().Subject;
        shuffle.CifarStem.Should().BeFalse();
        var fc = (Linear)shuffle.NamedModules().Single(m => m.Name == "fc").Module;
        (fc.InFeatures, fc.OutFeatures).Should().Be((1024, 1000));
    }

    [Fact]
    public void Shufflenet_depthwise_convs_come_from_the_factory_with_one_group_per_channel()
    {
        var net = ShuffleNetV2.X1_0(cifarStem: true, numClasses: 10, generator: new Generator(0));
        var modules = net.NamedModules().ToDictionary(m => m.Name, m => m.Module);
        var dw = (Conv2d)modules["stage2.0.branch1.0"];
        (dw.InChannels, dw.OutChannels, dw.Groups, dw.Stride, dw.KernelSize).Should().Be((24, 24, 24, 2, 3));
        dw = (Conv2d)modules["stage3.1.branch2.3"];
        (dw.InChannels, dw.Groups, dw.Stride).Should().Be((116, 116, 1));
        ((Conv2d)modules["conv1.0"]).Stride.Should().Be(1);
        modules.Should().NotContainKey("maxpool");
    }
}

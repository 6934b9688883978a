using Cac.Madds;
using Cac.Models;
using Cac.Models.DenseNet;
using Cac.Models.ResNet;
using Cac.Models.ShuffleNet;
using Cac.Nn;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Models;

/// <summary>
/// The model zoo (ImageNet ResNet-18/50, DenseNet-121, ShuffleNetV2 1.0x and their CIFAR variants) against torchvision:
/// state_dict names and shapes, parameter counts, conv + linear MAdds, and the papers' numbers.
/// </summary>
public class ModelZooTests
{
    public static TheoryData<string> FixtureModels => ["resnet18", "resnet50", "densenet121", "shufflenetv2", "densenet121-cifar", "shufflenetv2-cifar"];

    [Theory]
    [Trait("Category", "PyTorchFixture")]
    [MemberData(nameof(FixtureModels))]
    public void State_dict_keys_and_shapes_match_torchvision_in_order(string name)
    {
        var fixture = ZooFixture.Load(name);
        var state = ModelRegistry.Create(name, new Generator(0)).StateDict();
        state.Select(kv => kv.Key).Should().Equal(fixture.StateDict.Select(e => e.Key));
        foreach (var (key, shape) in fixture.StateDict)
            state[key].Dims.ToArray().Should().Equal(shape, key);
    }

    // Published parameter counts of torchvision's resnet18, resnet50, densenet121 and shufflenet_v2_x1_0 (1000 classes).
    [Theory]
    [InlineData("resnet18", 11_689_512L)]
    [InlineData("resnet50", 25_557_032L)]
    [InlineData("densenet121", 7_978_856L)]
    [InlineData("shufflenetv2", 2_278_604L)]
    [InlineData("densenet121-cifar", 6_956_298L)]
    [InlineData("shufflenetv2-cifar", 1_263_854L)]
    public void Parameter_counts_match_torchvision(string name, long expected)
    {
        var count = ModelRegistry.Create(name, new Generator(0)).ParameterCount();
        count.Should().Be(expected);
        count.Should().Be(ZooFixture.Load(name).Parameters);
    }

    // The papers' MAdds (docs/design.md section 2): ResNet-18 1.81G, ResNet-50 4.09G, DenseNet-121 2.83G, ShuffleNetV2 1.0x
    // 146M (the ShuffleNetV2 paper's count, 0.15G rounded); the exact counts come from hooks on torchvision's models.
    [Theory]
    [InlineData("resnet18", 1.81e9)]
    [InlineData("resnet50", 4.09e9)]
    [InlineData("densenet121", 2.83e9)]
    [InlineData("shufflenetv2", 146e6)]
    [Trait("Category", "PyTorchFixture")]
    public void Imagenet_madds_at_224_match_torchvision_exactly_and_the_paper_within_one_percent(string name, double paper)
    {
        var fixture = ZooFixture.Load(name);
        fixture.Input.Should().Equal(1, 3, 224, 224);
        var report = MaddsCounter.Count(ModelRegistry.Create(name, new Generator(0)), fixture.Input);
        report.TotalMadds.Should().Be(fixture.Madds);
        Math.Abs(report.TotalMadds - paper).Should().BeLessThan(0.01 * paper);
        report.Layers.Should().OnlyContain(l => l.Type == "Conv2d" || l.Type == "Linear");
    }

    [Theory]
    [InlineData("densenet121-cifar")]
    [InlineData("shufflenetv2-cifar")]
    [Trait("Category", "PyTorchFixture")]
    public void Cifar_madds_at_32_match_torchvision_with_the_cifar_stem(string name)
    {
        var fixture = ZooFixture.Load(name);
        fixture.Input.Should().Equal(1, 3, 32, 32);
        MaddsCounter.Count(ModelRegistry.Create(name, new Generator(0)), fixture.Input).TotalMadds.Should().Be(fixture.Madds);
    }

    [Theory]
    [InlineData(224)]
    [InlineData(64)]
    public void Resnet18_madds_are_the_sum_of_its_layers_by_hand(int size)
    {
        // Stem 3*64*49*(s/2)^2; layer1 4 convs 64*64*9*(s/4)^2; layer2 128*(64+3*128)*9*(s/8)^2 + 64*128*(s/8)^2;
        // layer3 256*(128+3*256)*9*(s/16)^2 + 128*256*(s/16)^2; layer4 512*(256+3*512)*9*(s/32)^2 + 256*512*(s/32)^2; fc 512*1000.
        long A(int div) => (long)(size / div) * (size / div);
        long expected = 3L * 64 * 49 * A(2) + 4L * 64 * 64 * 9 * A(4)
                        + 128L * (64 + 3 * 128) * 9 * A(8) + 64L * 128 * A(8)
                        + 256L * (128 + 3 * 256) * 9 * A(16) + 128L * 256 * A(16)
                        + 512L * (256 + 3 * 512) * 9 * A(32) + 256L * 512 * A(32) + 512 * 1000;
        if (size == 224) expected.Should().Be(ZooFixture.Load("resnet18").Madds).And.Be(1_814_073_344L);
        else
        {
            var layers = MaddsCounter.Count(ModelRegistry.Create("resnet18", new Generator(0)), 1, 3, size, size).Layers;
            layers.Sum(l => l.Madds).Should().Be(expected);
            layers[0].Should().Be(new LayerMadds("conv1", "Conv2d", 3L * 64 * 49 * A(2)));
            layers.Single(l => l.Name == "layer2.0.downsample.0").Madds.Should().Be(64L * 128 * A(8));
            layers[^1].Should().Be(new LayerMadds("fc", "Linear", 512 * 1000));
        }
    }

    [Theory]
    [InlineData("densenet121-cifar")]
    [InlineData("shufflenetv2-cifar")]
    [InlineData("resnet20")]
    public void Cifar_models_map_a_batch_of_32x32_images_to_10_logits(string name)
    {
        var info = ModelRegistry.Info(name);
        (info.Dataset, info.InputChannels, info.InputSize, info.NumClasses).Should().Be(("cifar10", 3, 32, 10));
        var logits = ModelRegistry.Create(name, new Generator(1)).Forward(RandF(2, info.InputShape(2)));
        logits.Dims.ToArray().Should().Equal(2, 10);
        logits.ToFloatArray().Should().OnlyContain(v => float.IsFinite(v));
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("resnet50")]
    [InlineData("oct-resnet18")]
    [InlineData("oct-resnet50")]
    [InlineData("densenet121")]
    [InlineData("shufflenetv2")]
    public void Imagenet_models_map_a_small_image_to_1000_logits(string name)
    {
        var info = ModelRegistry.Info(name);
        (info.Dataset, info.InputChannels, info.InputSize, info.NumClasses).Should().Be(("imagenet", 3, 224, 1000));
        var logits = ModelRegistry.Create(name, new Generator(1)).Forward(RandF(3, 1, 3, 64, 64));
        logits.Dims.ToArray().Should().Equal(1, 1000);
        logits.ToFloatArray().Should().OnlyContain(v => float.IsFinite(v));
    }

    [Theory]
    [InlineData("densenet121-cifar")]
    [InlineData("shufflenetv2-cifar")]
    public void Cifar_models_train_end_to_end_every_parameter_receiving_a_gradient(string name)
    {
        var net = ModelRegistry.Create(name, 3, 4, new Generator(5));
        var logits = net.Forward(RandF(6, 2, 3, 8, 8));
        Ops.CrossEntropy(logits, Tensor.FromArray([1, 3], [2])).Backward();
        // In ShuffleNetV2 the BN after each depthwise conv (branch1.1, branch2.4) feeds a 1x1 conv and another BN with no
        // activation between: in training mode that BN removes any per-channel shift, so those biases' gradient is 0.
        ModelAssertions.EveryParameterShouldGetANonZeroGradient(net, pname =>
            pname.EndsWith(".branch1.1.bias", StringComparison.Ordinal) || pname.EndsWith(".branch2.4.bias", StringComparison.Ordinal));
    }
}

using Cac.Madds;
using Cac.Models;
using Cac.Models.Segmentation;
using Cac.Nn;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Models;

/// <summary>FCN-ResNet18, CAC-FCN and RC-FCN: names, dilations, shapes, MAdds and the cascade's two extremes.</summary>
public class FcnModelTests
{
    [Fact]
    public void Registry_lists_the_three_segmentation_models_for_voc()
    {
        ModelRegistry.Names.Should().Contain(["fcn-resnet18", "cac-fcn-resnet18", "rc-fcn-resnet18"]);
        ModelRegistry.Info("fcn-resnet18").Should().Be(new ModelInfo("fcn-resnet18", "fcn-resnet18", "fcn", ConvType.Standard, "voc2012", 3, 480, 21));
        ModelRegistry.Info("rc-fcn-resnet18").IsSegmentation.Should().BeTrue();
        ModelRegistry.Info("resnet18").IsSegmentation.Should().BeFalse();
        ModelRegistry.Create("cac-fcn-resnet18", 3, 5).Should().BeOfType<Fcn>().Which.ConvType.Should().Be(ConvType.Cac);
        ModelRegistry.Create("rc-fcn-resnet18", 3, 5).Should().BeOfType<RegionCascadeFcn>();
    }

    [Fact]
    public void State_dict_names_are_torchvisions_fcn_and_the_cascade_adds_an_auxiliary_head()
    {
        var fcn = ModelRegistry.Create("fcn-resnet18", 3, 21).StateDict();
        fcn.Keys.Should().Contain(["backbone.conv1.weight", "backbone.bn1.running_var", "backbone.layer4.1.conv2.weight",
            "backbone.layer4.0.downsample.0.weight", "classifier.0.weight", "classifier.1.weight", "classifier.4.weight", "classifier.4.bias"]);
        fcn.Keys.Should().NotContain(k => k.StartsWith("backbone.fc", StringComparison.Ordinal) || k.StartsWith("aux_", StringComparison.Ordinal));
        fcn["classifier.0.weight"].Dims.ToArray().Should().Equal(128, 512, 3, 3);
        fcn["classifier.4.weight"].Dims.ToArray().Should().Equal(21, 128, 1, 1);

        var rc = ModelRegistry.Create("rc-fcn-resnet18", 3, 21).StateDict();
        rc.Keys.Except(fcn.Keys).Should().OnlyContain(k => k.StartsWith("aux_classifier.", StringComparison.Ordinal));
        fcn.Keys.Should().BeSubsetOf(rc.Keys);
        rc["aux_classifier.0.weight"].Dims.ToArray().Should().Equal(64, 256, 3, 3);

        var cac = ModelRegistry.Create("cac-fcn-resnet18", 3, 21).StateDict();
        cac.Keys.Where(k => k.EndsWith(".gamma", StringComparison.Ordinal)).Should().Contain(["backbone.conv1.gamma", "classifier.0.gamma"])
            .And.HaveCount(1 + 16 + 1, "the stem, the 16 block convolutions and the head's 3x3 are content-aware");
    }

    [Fact]
    public void Layer3_and_layer4_trade_their_stride_for_dilation_as_torchvisions_make_layer()
    {
        var convs = new Fcn(18, 3, 21).NamedModules().Where(m => m.Module is ConvolutionModule)
            .ToDictionary(m => m.Name, m => (ConvolutionModule)m.Module);
        var expected = new Dictionary<string, (int Stride, int Dilation)>
        {
            ["backbone.conv1"] = (2, 1),
            ["backbone.layer2.0.conv1"] = (2, 1), ["backbone.layer2.1.conv2"] = (1, 1),
            ["backbone.layer3.0.conv1"] = (1, 1), ["backbone.layer3.0.conv2"] = (1, 1), ["backbone.layer3.0.downsample.0"] = (1, 1),
            ["backbone.layer3.1.conv1"] = (1, 2), ["backbone.layer3.1.conv2"] = (1, 2),
            ["backbone.layer4.0.conv1"] = (1, 2), ["backbone.layer4.0.conv2"] = (1, 2), ["backbone.layer4.0.downsample.0"] = (1, 1),
            ["backbone.layer4.1.conv1"] = (1, 4), ["backbone.layer4.1.conv2"] = (1, 4),
            ["classifier.0"] = (1, 1),
        };
        foreach (var (name, (stride, dilation)) in expected)
        {
            (convs[name].Stride, convs[name].Dilation).Should().Be((stride, dilation), name);
            if (convs[name].KernelSize == 3) convs[name].Padding.Should().Be(dilation, $"{name} keeps the size");
        }
    }

    [Theory]
    [InlineData("fcn-resnet18")]
    [InlineData("cac-fcn-resnet18")]
    [InlineData("rc-fcn-resnet18")]
    public void Logits_have_the_input_size_and_every_parameter_gets_a_gradient(string name)
    {
        var net = ModelRegistry.Create(name, 3, 4, new Generator(1));
        var x = RandF(2, 2, 3, 50, 38);
        var logits = net.Forward(x);
        logits.Dims.ToArray().Should().Equal(2, 4, 50, 38);
        var labels = Tensor.FromArray(Enumerable.Range(0, 2 * 50 * 38).Select(i => i % 5 == 0 ? 255 : i % 4).ToArray(), [2, 50, 38]);
        Ops.PixelCrossEntropy(logits, labels).Backward();
        // The cascade's fresh auxiliary head is unsure everywhere (every pixel hard), so both heads are on the path.
        net.NamedParameters().Where(p => p.Value.Grad is null).Select(p => p.Name).Should().BeEmpty();
    }

    [Fact]
    public void Fcn_madds_at_480_are_the_convolutions_counted_by_hand_within_two_percent_of_the_paper()
    {
        // Output stride 8: 240 x 240 after conv1, 120 x 120 in layer1, 60 x 60 from layer2 on; the head at 60 x 60.
        const long s1 = 240 * 240, s2 = 120 * 120, s3 = 60 * 60;
        long expected = 3L * 64 * 49 * s1
                        + 4L * 64 * 64 * 9 * s2
                        + (64L * 128 * 9 + 3L * 128 * 128 * 9 + 64L * 128) * s3
                        + (128L * 256 * 9 + 3L * 256 * 256 * 9 + 128L * 256) * s3
                        + (256L * 512 * 9 + 3L * 512 * 512 * 9 + 256L * 512) * s3
                        + (512L * 128 * 9 + 128L * 21) * s3;
        long counted = MaddsCounter.Count(ModelRegistry.Create("fcn-resnet18", 3, 21), 1, 3, 480, 480).TotalMadds;
        counted.Should().Be(expected);
        (Math.Abs(counted - 45.0e9) / 45.0e9).Should().BeLessThan(0.02, "the paper's Table 3 gives 45.0G");
    }

    [Fact]
    public void A_cascade_with_every_pixel_hard_is_the_fcn_and_with_every_pixel_easy_is_its_auxiliary_head()
    {
        var fcn = new Fcn(18, 3, 3, new Generator(4));
        var rc = new RegionCascadeFcn(18, 3, 3, new Generator(4));
        var rcState = rc.StateDict();
        foreach (var (key, value) in fcn.StateDict().Where(e => e.Value.DType != DType.Int32))
            rcState[key].ToDoubleArray().Should().Equal(value.ToDoubleArray(), $"{key}: the same draws in the same order");
        fcn.ToDouble().Eval();
        rc.ToDouble().Eval();
        var x = RandD(5, 2, 3, 40, 40).Detach();

        rc.ConfidenceThreshold = 1;
        var all = MaddsCounter.Count(rc, x);
        var hard = rc.Forward(x);
        rc.LastHardRatio.Should().Be(1);
        hard.ToDoubleArray().Should().Equal(fcn.Forward(x).ToDoubleArray(), (a, e) => Math.Abs(a - e) <= 1e-9 * (1 + Math.Abs(e)));

        rc.ConfidenceThreshold = 0;
        var none = MaddsCounter.Count(rc, x);
        var easy = rc.Forward(x);
        rc.LastHardRatio.Should().Be(0);
        easy.ToDoubleArray().Should().Equal(rc.LastAuxiliaryLogits!.ToDoubleArray());

        // What runs: every pixel hard costs the FCN plus the auxiliary head; every pixel easy drops layer4 and the head.
        long fcnMadds = MaddsCounter.Count(fcn, x).TotalMadds;
        long aux = all.Layers.Where(l => l.Name.StartsWith("aux_classifier.", StringComparison.Ordinal)).Sum(l => l.Madds);
        aux.Should().Be(5L * 5 * (256 * 64 * 9 + 64 * 3), "40 x 40 gives 5 x 5 maps at output stride 8");
        all.TotalMadds.Should().Be(fcnMadds + aux);
        long late = all.Layers.Where(l => l.Name.StartsWith("backbone.layer4.", StringComparison.Ordinal) || l.Name.StartsWith("classifier.", StringComparison.Ordinal)).Sum(l => l.Madds);
        none.TotalMadds.Should().Be(all.TotalMadds - late);
    }
}

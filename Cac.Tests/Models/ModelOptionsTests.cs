using Cac.Madds;
using Cac.Models;
using Cac.Models.ResNet;
using Cac.Nn;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Models;

/// <summary><see cref="ModelOptions"/> through <see cref="ModelRegistry"/>: the CAC sample point of every content-aware layer, the octave alpha.</summary>
public class ModelOptionsTests
{
    private static List<ContentAwareConv2d> CacLayers(Module net) =>
        net.NamedModules().Select(m => m.Module).OfType<ContentAwareConv2d>().ToList(); // a list: NamedModules enumerates once

    [Theory]
    [InlineData("cac-resnet20")]
    [InlineData("cac-oct-resnet20")]
    [InlineData("cac-shufflenetv2-cifar")]
    public void The_sample_point_reaches_every_content_aware_layer(string model)
    {
        CacLayers(ModelRegistry.Create(model, 3, 10, new Generator(0))).Should().NotBeEmpty().And.OnlyContain(l => l.SamplePoint == CacSamplePoint.Centre);
        CacLayers(ModelRegistry.Create(model, 3, 10, new Generator(0), new ModelOptions(CacSamplePoint.TopLeft)))
            .Should().NotBeEmpty().And.OnlyContain(l => l.SamplePoint == CacSamplePoint.TopLeft);
    }

    [Fact]
    public void With_smooth_windows_the_sample_point_changes_the_output()
    {
        // beta = -100 makes every window smooth, so each layer reads only its sample pixels.
        Module Build(CacSamplePoint point)
        {
            var net = ModelRegistry.Create("cac-resnet20", 3, 10, new Generator(4), new ModelOptions(point));
            foreach (var layer in CacLayers(net)) layer.Beta.CopyFrom(Tensor.Full([1], -100));
            net.Eval();
            return net;
        }
        var x = Tensor.RandN([2, 3, 32, 32], new Generator(9));
        using var _ = Autograd.NoGrad();
        var centre = Build(CacSamplePoint.Centre).Forward(x).ToFloatArray();
        var topLeft = Build(CacSamplePoint.TopLeft).Forward(x).ToFloatArray();
        centre.Zip(topLeft).Max(p => Math.Abs(p.First - p.Second)).Should().BeGreaterThan(1e-3f);
    }

    [Fact]
    public void Alpha_sets_the_low_frequency_channels_of_the_cifar_and_imagenet_octave_resnets()
    {
        var cifar = ModelRegistry.Create("oct-resnet20", 3, 10, new Generator(0), new ModelOptions(Alpha: 0.25));
        cifar.Should().BeOfType<OctaveCifarResNet>().Which.Alpha.Should().Be(0.25);
        var state = cifar.StateDict();
        state["layer1.1.conv1.l2l.weight"].Dims.ToArray().Should().Equal(4, 4, 3, 3);   // floor(0.25 * 16) low channels in and out
        state["layer3.1.conv1.h2h.weight"].Dims.ToArray().Should().Equal(48, 48, 3, 3);
        ModelRegistry.Create("oct-resnet20", 3, 10, new Generator(0)).StateDict()["layer1.1.conv1.l2l.weight"].Dims.ToArray().Should().Equal(8, 8, 3, 3);

        var imagenet = ModelRegistry.Create("cac-oct-resnet18", 3, 1000, new Generator(0), new ModelOptions(Alpha: 0.125));
        imagenet.Should().BeOfType<OctaveImageNetResNet>().Which.Alpha.Should().Be(0.125);
        imagenet.StateDict()["layer2.1.conv1.l2l.weight"].Dims.ToArray().Should().Equal(16, 16, 3, 3);
    }

    [Fact]
    public void A_smaller_alpha_costs_more()
    {
        long Madds(double alpha) => MaddsCounter.Count(ModelRegistry.Create("oct-resnet20", 3, 10, new Generator(0), new ModelOptions(Alpha: alpha)), 1, 3, 32, 32).TotalMadds;
        long standard = MaddsCounter.Count(ModelRegistry.Create("resnet20", 3, 10, new Generator(0)), 1, 3, 32, 32).TotalMadds;
        Madds(0.5).Should().Be(19_808_896, "alpha 0.5 is the default");
        Madds(0.25).Should().BeGreaterThan(Madds(0.5)).And.BeLessThan(standard);
    }

    [Theory]
    [InlineData("resnet20", 0.25, "alpha 0.25: model 'resnet20' has no octave layers*")]
    [InlineData("cac-resnet20", 0.5, "alpha 0.5: model 'cac-resnet20' has no octave layers*")]
    [InlineData("oct-resnet20", 0.0, "alpha must lie in (0, 1), got 0")]
    [InlineData("oct-resnet20", 1.0, "alpha must lie in (0, 1), got 1")]
    public void Alpha_for_a_model_without_octave_layers_or_out_of_range_is_refused(string model, double alpha, string message) =>
        FluentActions.Invoking(() => ModelRegistry.Create(model, 3, 10, new Generator(0), new ModelOptions(Alpha: alpha)))
            .Should().Throw<ArgumentException>().WithMessage(message);
}

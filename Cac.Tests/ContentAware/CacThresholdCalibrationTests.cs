using Cac.Training;
using Cac.Models;
using Cac.Nn;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.ContentAware;

public class CacThresholdCalibrationTests
{
    [Theory]
    [InlineData(0.5, 2.5)]     // 2 of 4 above: midway between 2 and 3
    [InlineData(0.75, 1.5)]
    [InlineData(1.0, 0.0)]     // below every score: min - 1
    [InlineData(0.0, 4.0)]     // at the largest: nothing strictly above
    public void Threshold_splits_at_the_order_statistic(double ratio, double expected) =>
        CacThresholdCalibration.Threshold([3, 1, 4, 2], ratio).Should().Be(expected);

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.72)]
    public void Every_layer_reaches_the_ratio_on_the_batch(double ratio)
    {
        var model = ModelRegistry.Create("cac-resnet20", 1, 10, new Generator(5));
        var x = RandF(7, 8, 1, 16, 16);
        var reached = CacThresholdCalibration.Calibrate(model, x, ratio);
        reached.Should().HaveCount(19);
        // Random images have no ties in G: each layer hits the nearest count, i.e. within half a window of the ratio.
        foreach (var (name, rho) in reached) rho.Should().BeApproximately(ratio, 0.01, name);
        // The thresholds stay: a second forward in eval mode on the same batch gives the same ratios.
        model.Eval();
        using (Autograd.NoGrad()) model.Forward(x);
        var layers = model.NamedModules().Select(m => m.Module).OfType<ContentAwareConv2d>().ToList();
        layers.Select(l => l.LastSharpRatio).Should().Equal(reached.Select(r => r.SharpRatio));
        layers.Should().OnlyContain(l => l.Beta.Item() < 0);
    }

    [Fact]
    public void Training_mode_and_batch_norm_statistics_are_kept()
    {
        var model = ModelRegistry.Create("cac-resnet20", 1, 10, new Generator(5));
        var bn = model.NamedModules().Select(m => m.Module).OfType<BatchNorm2d>().First();
        var before = bn.RunningMean.ToFloatArray();
        CacThresholdCalibration.Calibrate(model, RandF(3, 4, 1, 8, 8), 0.5);
        model.Training.Should().BeTrue();
        bn.RunningMean.ToFloatArray().Should().Equal(before);
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        var plain = ModelRegistry.Create("resnet20", 1, 10, new Generator(5));
        var act = () => CacThresholdCalibration.Calibrate(plain, RandF(3, 2, 1, 8, 8), 0.5);
        act.Should().Throw<ArgumentException>().WithMessage("*no content-aware layer*");
        var cac = ModelRegistry.Create("cac-resnet20", 1, 10, new Generator(5));
        act = () => CacThresholdCalibration.Calibrate(cac, RandF(3, 2, 1, 8, 8), 1.5);
        act.Should().Throw<ArgumentException>().WithMessage("*[0, 1], got 1.5*");
    }
}

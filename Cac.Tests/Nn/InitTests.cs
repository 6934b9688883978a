using Cac.Nn;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Nn;

public class InitTests
{
    private static (double Min, double Max, double Mean, double Std) Stats(Tensor t)
    {
        var v = t.ToDoubleArray();
        double mean = v.Average();
        return (v.Min(), v.Max(), mean, Math.Sqrt(v.Select(x => (x - mean) * (x - mean)).Average()));
    }

    [Fact]
    public void Conv2d_default_init_is_uniform_within_one_over_sqrt_fan_in()
    {
        // fan_in = 8 * 3 * 3 = 72: weight and bias in U(-b, b), b = 1/sqrt(72); std of U(-b, b) is b/sqrt(3).
        var conv = new Conv2d(8, 64, 3, generator: new Generator(1));
        double b = 1 / Math.Sqrt(72);
        var w = Stats(conv.Weight);
        w.Min.Should().BeGreaterThanOrEqualTo(-b);
        w.Max.Should().BeLessThanOrEqualTo(b);
        // 4608 samples: the extremes come within 1% of the bound, the std within 3% of b/sqrt(3).
        w.Min.Should().BeLessThan(-0.99 * b);
        w.Max.Should().BeGreaterThan(0.99 * b);
        w.Std.Should().BeApproximately(b / Math.Sqrt(3), 0.03 * b / Math.Sqrt(3));
        w.Mean.Should().BeApproximately(0, 0.05 * b);
        var bias = conv.Bias!.ToDoubleArray();
        bias.Should().OnlyContain(v => Math.Abs(v) <= b);
        bias.Distinct().Should().HaveCountGreaterThan(32);
    }

    [Fact]
    public void Grouped_conv_fan_in_uses_channels_per_group()
    {
        var conv = new Conv2d(8, 8, 3, groups: 4, generator: new Generator(2));
        conv.Weight.Shape.Should().Equal(8, 2, 3, 3);
        double b = 1 / Math.Sqrt(2 * 9);
        Stats(conv.Weight).Max.Should().BeLessThanOrEqualTo(b).And.BeGreaterThan(0.8 * b);
    }

    [Fact]
    public void Linear_default_init_is_uniform_within_one_over_sqrt_in_features()
    {
        var fc = new Linear(50, 200, generator: new Generator(3));
        double b = 1 / Math.Sqrt(50);
        var w = Stats(fc.Weight);
        w.Min.Should().BeGreaterThanOrEqualTo(-b);
        w.Max.Should().BeLessThanOrEqualTo(b);
        w.Std.Should().BeApproximately(b / Math.Sqrt(3), 0.03 * b / Math.Sqrt(3));
        fc.Bias!.ToDoubleArray().Should().OnlyContain(v => Math.Abs(v) <= b);
    }

    [Fact]
    public void Batch_norm_starts_as_the_identity_affine_map_with_unit_running_variance()
    {
        var bn = new BatchNorm2d(4);
        bn.Weight.ToFloatArray().Should().Equal(1f, 1f, 1f, 1f);
        bn.Bias.ToFloatArray().Should().Equal(0f, 0f, 0f, 0f);
        bn.RunningMean.ToFloatArray().Should().Equal(0f, 0f, 0f, 0f);
        bn.RunningVar.ToFloatArray().Should().Equal(1f, 1f, 1f, 1f);
        bn.NumBatchesTracked.DType.Should().Be(DType.Int32);
        bn.NumBatchesTracked.Item().Should().Be(0);
    }

    [Fact]
    public void Kaiming_normal_fan_out_relu_has_std_sqrt_two_over_fan_out()
    {
        // fan_out = 32 * 3 * 3 = 288, std = sqrt(2 / 288) = 1/12.
        var w = Tensor.Zeros([32, 16, 3, 3]);
        Init.KaimingNormalFanOutRelu(w, new Generator(4));
        var s = Stats(w);
        s.Std.Should().BeApproximately(1.0 / 12, 0.03 / 12);
        s.Mean.Should().BeApproximately(0, 0.05 / 12);
        Init.KaimingNormal(w, mode: FanMode.FanIn, generator: new Generator(5));
        Stats(w).Std.Should().BeApproximately(Math.Sqrt(2.0 / 144), 0.03 * Math.Sqrt(2.0 / 144));
    }

    [Fact]
    public void Kaiming_uniform_relu_bound_is_sqrt_six_over_fan_in()
    {
        var w = Tensor.Zeros([40, 30], DType.Float64);
        Init.KaimingUniform(w, nonlinearity: Nonlinearity.Relu, generator: new Generator(6));
        double b = Math.Sqrt(6.0 / 30);
        var s = Stats(w);
        s.Max.Should().BeLessThanOrEqualTo(b).And.BeGreaterThan(0.98 * b);
        s.Min.Should().BeGreaterThanOrEqualTo(-b).And.BeLessThan(-0.98 * b);
    }

    [Fact]
    public void Gains_match_torch_calculate_gain()
    {
        Init.CalculateGain(Nonlinearity.Relu).Should().BeApproximately(Math.Sqrt(2), 1e-15);
        Init.CalculateGain(Nonlinearity.LeakyRelu, Math.Sqrt(5)).Should().BeApproximately(Math.Sqrt(1.0 / 3), 1e-15);
        Init.CalculateGain(Nonlinearity.Tanh).Should().BeApproximately(5.0 / 3, 1e-15);
        Init.CalculateGain(Nonlinearity.Linear).Should().Be(1);
    }

    [Fact]
    public void Uniform_and_constant_fill_in_place_and_the_same_seed_repeats()
    {
        var a = Tensor.Zeros([100]);
        var b = Tensor.Zeros([100]);
        Init.Uniform(a, 2, 3, new Generator(7)).Should().BeSameAs(a);
        Init.Uniform(b, 2, 3, new Generator(7));
        a.ToFloatArray().Should().Equal(b.ToFloatArray());
        a.ToFloatArray().Should().OnlyContain(v => v >= 2 && v <= 3);
        Init.Constant(a, -1.5);
        a.ToFloatArray().Should().OnlyContain(v => v == -1.5f);
    }
}

/// <summary>Tests that reseed the global <see cref="Generator.Default"/>: run alone, never beside other tests.</summary>
[CollectionDefinition(nameof(DefaultGeneratorCollection), DisableParallelization = true)]
public sealed class DefaultGeneratorCollection;

[Collection(nameof(DefaultGeneratorCollection))]
public class DefaultGeneratorInitTests
{
    [Fact]
    public void Null_generator_draws_from_the_default_generator()
    {
        Generator.ManualSeed(11);
        var first = new Linear(4, 4).Weight.ToFloatArray();
        Generator.ManualSeed(11);
        var second = new Linear(4, 4).Weight.ToFloatArray();
        first.Should().Equal(second);
        first.Should().Equal(new Linear(4, 4, generator: new Generator(11)).Weight.ToFloatArray());
        Generator.ManualSeed(12);
        new Linear(4, 4).Weight.ToFloatArray().Should().NotEqual(first);
    }
}

using Cac.Testing;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Core;

public class DropoutTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.8)]
    public void Zeroes_a_fraction_near_p_and_scales_the_rest(double p)
    {
        var x = Tensor.Ones([100, 100]);
        var y = Ops.Dropout(x, p, training: true, new Generator(1)).ToFloatArray();
        double zeros = y.Count(v => v == 0) / (double)y.Length;
        // Binomial standard deviation is at most 0.005 here; allow 4 of them.
        zeros.Should().BeApproximately(p, 0.02);
        y.Where(v => v != 0).Should().OnlyContain(v => Math.Abs(v - 1 / (1 - p)) < 1e-6);
    }

    [Fact]
    public void Same_seed_gives_the_same_mask_and_another_seed_a_different_one()
    {
        var x = RandF(2, 50, 40);
        var a = Ops.Dropout(x, 0.5, true, new Generator(9)).ToFloatArray();
        var b = Ops.Dropout(x, 0.5, true, new Generator(9)).ToFloatArray();
        var c = Ops.Dropout(x, 0.5, true, new Generator(10)).ToFloatArray();
        a.Should().Equal(b);
        a.Should().NotEqual(c);
    }

    [Fact]
    public void Successive_calls_draw_fresh_masks_from_the_generator()
    {
        var x = Tensor.Ones([1000]);
        var generator = new Generator(3);
        var first = Ops.Dropout(x, 0.5, true, generator).ToFloatArray();
        var second = Ops.Dropout(x, 0.5, true, generator).ToFloatArray();
        first.Should().NotEqual(second);
    }

    [Fact]
    public void Mask_depends_only_on_seed_and_index_not_dtype()
    {
        var x64 = Tensor.Ones([777], DType.Float64);
        var x32 = Tensor.Ones([777]);
        var y64 = Ops.Dropout(x64, 0.3, true, new Generator(4)).ToDoubleArray();
        var y32 = Ops.Dropout(x32, 0.3, true, new Generator(4)).ToFloatArray();
        y64.Select(v => v == 0).Should().Equal(y32.Select(v => v == 0));
    }

    [Fact]
    public void Counter_hash_is_splitmix64()
    {
        // First outputs of the reference splitmix64 generator seeded with 0.
        CounterRandom.SplitMix64(0).Should().Be(0xE220A8397B1DCDAFUL);
        CounterRandom.SplitMix64(0x9E3779B97F4A7C15UL).Should().Be(0x6E789E6AA1B965F4UL);
        CounterRandom.Uniform(0, 0).Should().Be((0xE220A8397B1DCDAFUL >> 11) / 9007199254740992.0);
    }

    [Fact]
    public void Evaluation_and_p_zero_are_the_identity()
    {
        var x = RandF(5, 4, 6);
        Ops.Dropout(x, 0.5, training: false, new Generator(1)).ToFloatArray().Should().Equal(x.ToFloatArray());
        Ops.Dropout(x, 0.0, training: true, new Generator(1)).ToFloatArray().Should().Equal(x.ToFloatArray());
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void Rejects_p_outside_zero_to_one(double p)
    {
        var act = () => Ops.Dropout(RandF(6, 3), p, training: true, new Generator(1));
        act.Should().Throw<ArgumentException>().WithMessage("*dropout*p*");
    }

    [Fact]
    [Trait("Category", "GradCheck")]
    public void Gradient_with_a_fixed_seed()
    {
        var x = RandD(7, 3, 4);
        // A fresh generator per call makes the function deterministic, as the checker needs.
        GradCheck.Check(() => Ops.Dropout(x, 0.4, true, new Generator(11)), [x]).Passed.Should().BeTrue();
    }

    [Fact]
    public void Gradient_is_the_mask()
    {
        var x = RandD(8, 200);
        var y = Ops.Dropout(x, 0.25, true, new Generator(12));
        Ops.Sum(y).Backward();
        var xs = x.ToDoubleArray();
        var ys = y.ToDoubleArray();
        var grad = x.Grad!.ToDoubleArray();
        for (int i = 0; i < xs.Length; i++)
            grad[i].Should().Be(ys[i] == 0 ? 0 : 1 / 0.75);
        grad.Should().Contain(0.0).And.Contain(1 / 0.75);
    }
}

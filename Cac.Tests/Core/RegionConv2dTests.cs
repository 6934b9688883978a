using Cac.Nn;
using Cac.Testing;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Core;

/// <summary>Region convolution: the dense convolution times the region, by value and by gradient, at a fraction of the cost.</summary>
public class RegionConv2dTests
{
    // (N, 1, Ho, Wo) with about half the positions in the region.
    private static Tensor Region(int seed, int n, int ho, int wo, DType dtype = DType.Float64) =>
        Tensor.FromArray(Enumerable.Range(0, n * ho * wo).Select(i => (double)((i * 7 + seed) % 3 == 0 ? 0 : 1)).ToArray(), [n, 1, ho, wo]).To(dtype);

    public static TheoryData<int, int, int, int, int, bool> Geometries => new()
    {
        // kernel, stride, padding, dilation, groups, bias
        { 3, 1, 1, 1, 1, false },
        { 3, 2, 1, 1, 1, true },
        { 3, 1, 2, 2, 2, true },
        { 1, 1, 0, 1, 1, true },
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Equals_the_dense_convolution_times_the_region_in_value_and_gradient(int k, int stride, int padding, int dilation, int groups, bool withBias)
    {
        var x = RandD(1, 2, 4, 7, 6);
        var w = RandD(2, 6, 4 / groups, k, k);
        var b = withBias ? RandD(3, 6) : null;
        int ho = (7 + 2 * padding - dilation * (k - 1) - 1) / stride + 1, wo = (6 + 2 * padding - dilation * (k - 1) - 1) / stride + 1;
        var region = Region(k + stride, 2, ho, wo);
        var r = RandD(4, 2, 6, ho, wo).Detach();

        var y = Ops.RegionConv2d(x, w, b, region, stride, padding, dilation, groups);
        var reference = Ops.Mul(Ops.Conv2d(x, w, b, stride, padding, dilation, groups), region);
        y.ToDoubleArray().Should().Equal(reference.ToDoubleArray(), (a, e) => Math.Abs(a - e) <= 1e-12);

        Ops.Sum(Ops.Mul(y, r)).Backward();
        var (gx, gw, gb) = (x.Grad!.ToDoubleArray(), w.Grad!.ToDoubleArray(), b?.Grad!.ToDoubleArray());
        x.ZeroGrad(); w.ZeroGrad(); b?.ZeroGrad();
        Ops.Sum(Ops.Mul(reference, r)).Backward();
        gx.Should().Equal(x.Grad!.ToDoubleArray(), (a, e) => Math.Abs(a - e) <= 1e-12);
        gw.Should().Equal(w.Grad!.ToDoubleArray(), (a, e) => Math.Abs(a - e) <= 1e-12);
        if (b is not null) gb.Should().Equal(b.Grad!.ToDoubleArray(), (a, e) => Math.Abs(a - e) <= 1e-12);
    }

    [Fact]
    [Trait("Category", "GradCheck")]
    public void Gradients_pass_the_numerical_check()
    {
        var x = RandD(5, 2, 3, 5, 5);
        var w = RandD(6, 4, 3, 3, 3);
        var b = RandD(7, 4);
        var region = Region(1, 2, 5, 5);
        GradCheck.Check(() => Ops.RegionConv2d(x, w, b, region, 1, 2, 2), [x, w, b]).Passed.Should().BeTrue();
    }

    [Fact]
    public void A_full_region_is_the_dense_convolution_and_an_empty_one_gives_zeros()
    {
        var x = RandD(8, 1, 2, 5, 5).Detach();
        var w = RandD(9, 3, 2, 3, 3).Detach();
        var b = RandD(10, 3).Detach();
        Ops.RegionConv2d(x, w, b, Tensor.Ones([1, 1, 5, 5], DType.Float64), 1, 1).ToDoubleArray()
            .Should().Equal(Ops.Conv2d(x, w, b, 1, 1).ToDoubleArray());
        Ops.RegionConv2d(x, w, b, Tensor.Zeros([1, 1, 5, 5], DType.Float64), 1, 1).ToDoubleArray().Should().OnlyContain(v => v == 0);
    }

    [Fact]
    public void Float32_matches_float64()
    {
        var x = RandD(11, 2, 4, 9, 9).Detach();
        var w = RandD(12, 8, 4, 3, 3).Detach();
        var region = Region(2, 2, 9, 9);
        var y64 = Ops.RegionConv2d(x, w, null, region, 1, 1).ToDoubleArray();
        var y32 = Ops.RegionConv2d(x.To(DType.Float32), w.To(DType.Float32), null, region.To(DType.Float32), 1, 1).ToDoubleArray();
        y32.Should().Equal(y64, (a, e) => Math.Abs(a - e) <= 1e-5 * (1 + Math.Abs(e)));
    }

    [Fact]
    public void Wrong_region_shape_is_named()
    {
        var act = () => Ops.RegionConv2d(RandD(13, 1, 2, 5, 5), RandD(14, 3, 2, 3, 3), null, Tensor.Ones([1, 1, 4, 5], DType.Float64), 1, 1);
        act.Should().Throw<ArgumentException>().WithMessage("*region must be (1, 1, 5, 5)*(1, 1, 4, 5)*");
    }

    [Fact]
    public void The_layer_is_dense_without_a_region_and_counts_madds_for_the_region_it_ran_on()
    {
        var conv = new RegionConv2d(2, 3, 3, padding: 1, bias: false, generator: new Generator(15)).ToDouble();
        var x = RandD(16, 2, 2, 6, 6).Detach();
        long omega = 2 * 3 * 9 * 36;
        using var scope = Cac.Madds.MaddsScope.Begin();
        conv.Forward(x).ToDoubleArray().Should().Equal(Ops.Conv2d(x, ((RegionConv2d)conv).Weight, null, 1, 1).ToDoubleArray());
        ((RegionConv2d)conv).Madds(x, Tensor.Zeros([2, 3, 6, 6])).Should().Be(omega);

        var region = Region(3, 2, 6, 6);
        double share = region.ToDoubleArray().Average();
        ((RegionConv2d)conv).Region = region;
        conv.Forward(x);
        ((RegionConv2d)conv).LastRegionRatio.Should().Be(share);
        ((RegionConv2d)conv).Madds(x, Tensor.Zeros([2, 3, 6, 6])).Should().Be(omega * share);
    }
}

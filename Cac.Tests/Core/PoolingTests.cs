using Cac.Testing;
using FluentAssertions;
using Xunit;
using static Cac.Tests.Core.ShapeOpsTestUtil;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Core;

public class PoolingTests
{
    private static readonly double[,] Sample =
    {
        { 1, 5, 2, 0 },
        { 3, 4, 8, 7 },
        { 9, 0, 1, 2 },
        { 6, 3, 4, 5 },
    };

    // ---- max pool ----

    [Fact]
    public void Max_pool_2x2_picks_each_window_maximum()
    {
        Ops.MaxPool2d(Plane(Sample), 2).ShouldBe([1, 1, 2, 2], [5, 8, 9, 5]);
    }

    [Fact]
    public void Max_pool_gradient_lands_on_the_argmax()
    {
        var x = Plane(Sample, requiresGrad: true);
        Ops.Sum(Ops.MaxPool2d(x, 2)).Backward();
        // Maxima at flat positions 1, 6, 8, 15.
        x.Grad!.ShouldBe([1, 1, 4, 4], [0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
    }

    [Fact]
    public void Max_pool_with_padding_and_overlap_accumulates_gradients()
    {
        // kernel 3, stride 2, pad 1: windows rows/cols [-1, 2) and [1, 4). The 8 wins two windows.
        var x = Plane(Sample, requiresGrad: true);
        var y = Ops.MaxPool2d(x, 3, 2, 1);
        y.ShouldBe([1, 1, 2, 2], [5, 8, 9, 8]);
        Ops.Sum(y).Backward();
        x.Grad!.ShouldBe([1, 1, 4, 4], [0, 1, 0, 0, 0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    }

    [Fact]
    public void Max_pool_pads_with_minus_infinity_not_zero()
    {
        var x = Ops.Affine(Plane(Sample), 1, -20); // all negative
        Ops.MaxPool2d(x, 3, 2, 1).ShouldBe([1, 1, 2, 2], [-15, -12, -11, -12]);
    }

    [Fact]
    public void Max_pool_ties_send_the_gradient_to_the_first_maximum()
    {
        var x = Tensor.Full([1, 1, 2, 2], 3.0, DType.Float64, requiresGrad: true);
        Ops.Sum(Ops.MaxPool2d(x, 2)).Backward();
        x.Grad!.ShouldBe([1, 1, 2, 2], [1, 0, 0, 0]);
    }

    [Fact]
    public void Max_pool_float32_matches_float64()
    {
        var x = RandD(7, 2, 3, 7, 6).Detach();
        var y64 = Ops.MaxPool2d(x, 3, 2, 1).ToDoubleArray();
        var y32 = Ops.MaxPool2d(x.To(DType.Float32), 3, 2, 1).ToDoubleArray();
        y32.Should().HaveCount(y64.Length);
        for (int i = 0; i < y64.Length; i++) y32[i].Should().BeApproximately(y64[i], 1e-6);
    }

    [Theory]
    [Trait("Category", "GradCheck")]
    [InlineData(2, 2, 0, 4, 4)]
    [InlineData(3, 2, 1, 5, 5)]
    [InlineData(3, 1, 1, 4, 3)]
    public void Max_pool_gradcheck(int kernel, int stride, int pad, int h, int w)
    {
        var x = DistinctD(11, 2, 2, h, w);
        GradCheck.Check(() => Ops.MaxPool2d(x, kernel, stride, pad), [x]).Passed.Should().BeTrue();
    }

    // ---- average pool ----

    [Fact]
    public void Avg_pool_2x2_means()
    {
        Ops.AvgPool2d(Plane(Sample), 2).ShouldBe([1, 1, 2, 2], [13 / 4.0, 17 / 4.0, 18 / 4.0, 12 / 4.0]);
    }

    [Fact]
    public void Avg_pool_divisor_counts_padding_only_when_asked()
    {
        // 1..16 in a 4x4 plane, kernel 3, stride 2, pad 1. Window sums: 14, 30, 57, 99 over 4, 6, 6, 9 real elements.
        var x = Ops.Affine(Arange(1, 1, 1, 4, 4), 1, 1);
        Ops.AvgPool2d(x, 3, 2, 1, countIncludePad: true).ShouldBe([1, 1, 2, 2], [14 / 9.0, 30 / 9.0, 57 / 9.0, 99 / 9.0]);
        Ops.AvgPool2d(x, 3, 2, 1, countIncludePad: false).ShouldBe([1, 1, 2, 2], [14 / 4.0, 30 / 6.0, 57 / 6.0, 99 / 9.0]);
    }

    [Fact]
    public void Avg_pool_stride_defaults_to_kernel()
    {
        var x = RandD(3, 1, 2, 6, 6).Detach();
        Ops.AvgPool2d(x, 3).ToDoubleArray().Should().Equal(Ops.AvgPool2d(x, 3, 3).ToDoubleArray());
        Ops.AvgPool2d(x, 3).Shape.Should().Equal([1, 2, 2, 2]);
    }

    [Theory]
    [Trait("Category", "GradCheck")]
    [InlineData(2, 2, 0, true)]
    [InlineData(3, 2, 1, true)]
    [InlineData(3, 2, 1, false)]
    [InlineData(3, 1, 1, false)]
    public void Avg_pool_gradcheck(int kernel, int stride, int pad, bool countIncludePad)
    {
        var x = RandD(12, 2, 2, 5, 4);
        GradCheck.Check(() => Ops.AvgPool2d(x, kernel, stride, pad, countIncludePad), [x]).Passed.Should().BeTrue();
    }

    // ---- adaptive average pool ----

    [Fact]
    public void Adaptive_pool_5_to_3_uses_overlapping_bins()
    {
        // Bins of 5 -> 3: [0, 2), [1, 4), [3, 5). x[i, j] = 5i + j, so a bin mean is 5 * rowMean + colMean.
        double[] centers = [0.5, 2, 3.5];
        var expected = centers.SelectMany(r => centers.Select(c => 5 * r + c)).ToArray();
        Ops.AdaptiveAvgPool2d(Arange(1, 1, 1, 5, 5), 3, 3).ShouldBe([1, 1, 3, 3], expected);
    }

    [Fact]
    public void Adaptive_pool_to_1x1_is_the_plane_mean()
    {
        var x = Arange(1, 2, 2, 3, 3); // plane p holds 9p .. 9p + 8
        Ops.AdaptiveAvgPool2d(x, 1, 1).ShouldBe([2, 2, 1, 1], [4, 13, 22, 31]);
    }

    [Fact]
    public void Adaptive_pool_float32_matches_float64()
    {
        var x = RandD(8, 2, 3, 7, 5).Detach();
        var y64 = Ops.AdaptiveAvgPool2d(x, 3, 4).ToDoubleArray();
        var y32 = Ops.AdaptiveAvgPool2d(x.To(DType.Float32), 3, 4).ToDoubleArray();
        for (int i = 0; i < y64.Length; i++) y32[i].Should().BeApproximately(y64[i], 1e-5);
    }

    [Theory]
    [Trait("Category", "GradCheck")]
    [InlineData(4, 4, 1, 1)]
    [InlineData(5, 5, 3, 3)]
    [InlineData(5, 7, 3, 4)]
    public void Adaptive_pool_gradcheck(int h, int w, int oh, int ow)
    {
        var x = RandD(13, 1, 2, h, w);
        GradCheck.Check(() => Ops.AdaptiveAvgPool2d(x, oh, ow), [x]).Passed.Should().BeTrue();
    }

    // ---- errors ----

    [Fact]
    public void Pool_errors_name_the_shapes()
    {
        var x3 = RandD(1, 2, 4, 4);
        var x4 = RandD(1, 1, 2, 4, 4);
        FluentActions.Invoking(() => Ops.MaxPool2d(x3, 2)).Should().Throw<ArgumentException>().WithMessage("*max_pool2d*(2, 4, 4)*");
        FluentActions.Invoking(() => Ops.AvgPool2d(x4, 3, 1, 2)).Should().Throw<ArgumentException>().WithMessage("*avg_pool2d*padding 2*(1, 2, 4, 4)*");
        FluentActions.Invoking(() => Ops.MaxPool2d(x4, 5)).Should().Throw<ArgumentException>().WithMessage("*kernel 5*(1, 2, 4, 4)*");
        FluentActions.Invoking(() => Ops.MaxPool2d(x4, 2, 0)).Should().Throw<ArgumentException>().WithMessage("*stride (0)*");
        FluentActions.Invoking(() => Ops.AdaptiveAvgPool2d(x4, 0, 2)).Should().Throw<ArgumentException>().WithMessage("*adaptive_avg_pool2d*(0, 2)*(1, 2, 4, 4)*");
    }
}

using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.ContentAware;

public class CacScoreMapTests
{
    private static double[] Flatten(double[,,] a) => a.Cast<double>().ToArray();

    private static (Tensor X, double[,,] Xbar) Input(int seed, int n, int c, int h, int w)
    {
        var x = RandD(seed, n, c, h, w);
        return (x, CacReference.ChannelMean(x.ToDoubleArray(), n, c, h, w));
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(2, 1, 1)]
    [InlineData(1, 2, 2)]
    [InlineData(2, 0, 1)]
    [InlineData(3, 1, 1)]
    [InlineData(1, 0, 1)]
    [InlineData(1, 3, 2)]
    public void Kernel3_equals_a_naive_sobel_conv_with_the_convs_geometry(int stride, int pad, int dilation)
    {
        var (x, xbar) = Input(10, 2, 3, 9, 8);
        var scoreMap = Ops.CacScoreMap(x, 3, stride, pad, dilation);
        var expected = CacReference.SobelConvThenPool(xbar, stride, pad, dilation, 1);
        scoreMap.Shape.Should().Equal(2, 1, expected.GetLength(1), expected.GetLength(2));
        scoreMap.RequiresGrad.Should().BeFalse();
        CacReference.RelativeError(scoreMap.ToDoubleArray(), Flatten(expected)).Should().BeLessThan(1e-12);
    }

    [Theory]
    [InlineData(5, 2, 1)]
    [InlineData(5, 0, 1)]
    [InlineData(5, 4, 2)]
    [InlineData(7, 3, 1)]
    public void Larger_kernels_at_stride_1_reproduce_the_reference_sobel_then_avg_pool(int k, int pad, int dilation)
    {
        var (x, xbar) = Input(11, 2, 2, 11, 10);
        var scoreMap = Ops.CacScoreMap(x, k, 1, pad, dilation);
        int pool = dilation * (k - 3) + 1;
        var expected = CacReference.SobelConvThenPool(xbar, 1, pad, dilation, pool);
        int ho = 11 + 2 * pad - dilation * (k - 1), wo = 10 + 2 * pad - dilation * (k - 1);
        scoreMap.Shape.Should().Equal(2, 1, ho, wo);
        expected.GetLength(1).Should().Be(ho);
        CacReference.RelativeError(scoreMap.ToDoubleArray(), Flatten(expected)).Should().BeLessThan(1e-12);
    }

    // (k, pad, stride, dilation, h, w): the reference's map has exactly Ho x Wo positions in each.
    [Theory]
    [InlineData(5, 2, 2, 1, 12, 11)]
    [InlineData(5, 0, 2, 1, 12, 11)]
    [InlineData(5, 2, 2, 2, 12, 11)]
    [InlineData(5, 1, 3, 1, 12, 9)]
    [InlineData(7, 3, 2, 1, 12, 11)]
    [InlineData(7, 1, 3, 1, 12, 11)]
    [InlineData(6, 1, 2, 1, 12, 10)]
    [InlineData(4, 1, 1, 1, 12, 11)]
    [InlineData(4, 0, 2, 1, 12, 10)]
    public void Strided_larger_kernels_reproduce_the_reference_sobel_then_avg_pool(int k, int pad, int stride, int dilation, int h, int w)
    {
        var (x, xbar) = Input(14, 2, 3, h, w);
        var scoreMap = Ops.CacScoreMap(x, k, stride, pad, dilation);
        int pool = k > 3 ? dilation * (k - 3) / stride + 1 : 1;
        var expected = CacReference.SobelConvThenPool(xbar, stride, pad, dilation, pool);
        int ho = (h + 2 * pad - dilation * (k - 1) - 1) / stride + 1, wo = (w + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
        scoreMap.Shape.Should().Equal(2, 1, ho, wo);
        expected.GetLength(1).Should().Be(ho);
        expected.GetLength(2).Should().Be(wo);
        CacReference.RelativeError(scoreMap.ToDoubleArray(), Flatten(expected)).Should().BeLessThan(1e-12);
    }

    // (k, pad, stride, dilation, h, w): the reference's map is larger (k = 4, 5, 7 with s not dividing d*(k-3)) or smaller
    // (k = 2) than Ho x Wo; Cac must agree with it on every position both define.
    [Theory]
    [InlineData(4, 0, 2, 1, 11, 13)]
    [InlineData(5, 0, 3, 1, 10, 13)]
    [InlineData(7, 0, 3, 1, 12, 14)]
    [InlineData(2, 0, 1, 1, 7, 6)]
    [InlineData(2, 1, 2, 1, 8, 9)]
    public void Geometries_where_the_reference_shape_differs_agree_on_the_common_positions(int k, int pad, int stride, int dilation, int h, int w)
    {
        var (x, xbar) = Input(15, 1, 2, h, w);
        var scoreMap = Ops.CacScoreMap(x, k, stride, pad, dilation);
        int pool = k > 3 ? dilation * (k - 3) / stride + 1 : 1;
        var expected = CacReference.SobelConvThenPool(xbar, stride, pad, dilation, pool);
        int ho = scoreMap.Dims[2], wo = scoreMap.Dims[3], eh = expected.GetLength(1), ew = expected.GetLength(2);
        (eh != ho || ew != wo).Should().BeTrue("the case is meant to have a reference map of another shape");
        var gv = scoreMap.ToDoubleArray();
        int rows = Math.Min(ho, eh), cols = Math.Min(wo, ew);
        rows.Should().BeGreaterThan(0);
        cols.Should().BeGreaterThan(0);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                gv[i * wo + j].Should().BeApproximately(expected[0, i, j], 1e-12, $"position ({i}, {j})");
    }

    [Theory]
    [InlineData(5, 2, 2, 1)]
    [InlineData(5, 1, 2, 2)]
    [InlineData(4, 1, 1, 1)]
    [InlineData(7, 3, 2, 1)]
    [InlineData(4, 0, 2, 1)]
    [InlineData(5, 0, 3, 1)]
    [InlineData(6, 2, 2, 1)]
    [InlineData(2, 0, 1, 1)]
    [InlineData(2, 1, 2, 2)]
    public void Strided_and_even_kernels_follow_the_documented_rule(int k, int pad, int stride, int dilation)
    {
        var (x, xbar) = Input(12, 2, 3, 12, 11);
        var scoreMap = Ops.CacScoreMap(x, k, stride, pad, dilation);
        var expected = CacScoreRule.Score(xbar, k, stride, pad, dilation);
        scoreMap.Shape.Should().Equal(2, 1, expected.GetLength(1), expected.GetLength(2));
        CacReference.RelativeError(scoreMap.ToDoubleArray(), Flatten(expected)).Should().BeLessThan(1e-12);
    }

    [Fact]
    public void Float32_matches_float64()
    {
        var x = RandD(13, 2, 4, 8, 8);
        var g64 = Ops.CacScoreMap(x, 3, 1, 1, 1).ToDoubleArray();
        var g32 = Ops.CacScoreMap(x.Detach().To(DType.Float32), 3, 1, 1, 1);
        g32.DType.Should().Be(DType.Float32);
        CacReference.RelativeError(g32.ToDoubleArray(), g64).Should().BeLessThan(1e-5);
    }

    [Fact]
    public void Kernel_1_is_refused()
    {
        var act = () => Ops.CacScoreMap(RandD(1, 1, 1, 4, 4), 1);
        act.Should().Throw<ArgumentException>().WithMessage("*1 x 1*never content-aware*");
    }
}

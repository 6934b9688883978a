using Cac.Testing;
using FluentAssertions;
using Xunit;
using static Cac.Tests.Core.ShapeOpsTestUtil;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Core;

public class ResizeTests
{
    [Fact]
    public void Nearest_x2_repeats_each_pixel_in_a_2x2_block()
    {
        Ops.Upsample(Plane(new double[,] { { 1, 2 }, { 3, 4 } }), 4, 4).ShouldBe([1, 1, 4, 4],
            [1, 1, 2, 2,
             1, 1, 2, 2,
             3, 3, 4, 4,
             3, 3, 4, 4]);
    }

    [Fact]
    public void Nearest_non_integer_scales_use_floor_of_dst_times_in_over_out()
    {
        var row3 = Plane(new double[,] { { 10, 20, 30 } });
        // 3 -> 5: floor(d * 0.6) = 0, 0, 1, 1, 2.
        Ops.Upsample(row3, 1, 5).ShouldBe([1, 1, 1, 5], [10, 10, 20, 20, 30]);
        // 5 -> 3: floor(d * 5/3) = 0, 1, 3.
        Ops.Upsample(Plane(new double[,] { { 10, 20, 30, 40, 50 } }), 1, 3).ShouldBe([1, 1, 1, 3], [10, 20, 40]);
        // 7 -> 3: floor(d * 7/3) = 0, 2, 4.
        Ops.Upsample(Arange(1, 1, 1, 1, 7), 1, 3).ShouldBe([1, 1, 1, 3], [0, 2, 4]);
    }

    [Fact]
    public void Nearest_gradient_sums_over_the_copies()
    {
        var x = Plane(new double[,] { { 1, 2, 3 } }, requiresGrad: true);
        Ops.Sum(Ops.Upsample(x, 2, 5)).Backward(); // columns 0, 0, 1, 1, 2 in each of 2 rows
        x.Grad!.ShouldBe([1, 1, 1, 3], [4, 4, 2]);
    }

    [Fact]
    public void Bilinear_half_pixel_and_align_corners_rules()
    {
        var x = Plane(new double[,] { { 1, 2 }, { 3, 4 } });
        // Half-pixel, 2 -> 5 columns: src = max((d + 0.5) * 0.4 - 0.5, 0) = 0, 0.1, 0.5, 0.9, 1.3 (clamped to 1).
        // 2 -> 3 rows: src = 0, 0.5, 1.16.. -> clamped: values 1, 2, 3 down the first column.
        double[] cols = [0, 0.1, 0.5, 0.9, 1];
        double[] rowsHalf = [0, 0.5, 1];
        Ops.Upsample(x, 3, 5, UpsampleMode.Bilinear).ShouldBe([1, 1, 3, 5],
            rowsHalf.SelectMany(r => cols.Select(c => 1 + 2 * r + c)).ToArray());
        // Align corners, 2 -> 5: src = d / 4; 2 -> 3: src = d / 2.
        double[] colsAligned = [0, 0.25, 0.5, 0.75, 1];
        Ops.Upsample(x, 3, 5, UpsampleMode.Bilinear, alignCorners: true).ShouldBe([1, 1, 3, 5],
            rowsHalf.SelectMany(r => colsAligned.Select(c => 1 + 2 * r + c)).ToArray());
    }

    [Fact]
    public void Bilinear_downsampling_interpolates_between_taps()
    {
        // 4 -> 3 half-pixel: src = (d + 0.5) * 4/3 - 0.5 = 1/6, 3/2, 17/6. x[j] = j so the output is src itself.
        Ops.Upsample(Arange(1, 1, 1, 1, 4), 1, 3, UpsampleMode.Bilinear).ShouldBe([1, 1, 1, 3], [1 / 6.0, 1.5, 17 / 6.0], 1e-12);
        // Align corners: 4 -> 3: src = d * 3/2 = 0, 1.5, 3.
        Ops.Upsample(Arange(1, 1, 1, 1, 4), 1, 3, UpsampleMode.Bilinear, alignCorners: true).ShouldBe([1, 1, 1, 3], [0, 1.5, 3]);
    }

    [Theory]
    [InlineData(UpsampleMode.Nearest, false)]
    [InlineData(UpsampleMode.Bilinear, false)]
    [InlineData(UpsampleMode.Bilinear, true)]
    public void Float32_matches_float64(UpsampleMode mode, bool alignCorners)
    {
        var x = RandD(21, 2, 2, 3, 5).Detach();
        var y64 = Ops.Upsample(x, 7, 4, mode, alignCorners).ToDoubleArray();
        var y32 = Ops.Upsample(x.To(DType.Float32), 7, 4, mode, alignCorners).ToDoubleArray();
        y32.Should().HaveCount(y64.Length);
        for (int i = 0; i < y64.Length; i++) y32[i].Should().BeApproximately(y64[i], 1e-5);
    }

    [Theory]
    [Trait("Category", "GradCheck")]
    [InlineData(UpsampleMode.Nearest, false, 2, 3, 4, 6)]  // x2
    [InlineData(UpsampleMode.Nearest, false, 3, 5, 5, 7)]  // non-integer up
    [InlineData(UpsampleMode.Nearest, false, 5, 5, 3, 3)]  // non-integer down
    [InlineData(UpsampleMode.Bilinear, false, 2, 3, 4, 6)]
    [InlineData(UpsampleMode.Bilinear, false, 3, 4, 5, 7)]
    [InlineData(UpsampleMode.Bilinear, false, 5, 4, 3, 3)]
    [InlineData(UpsampleMode.Bilinear, true, 2, 3, 4, 6)]
    [InlineData(UpsampleMode.Bilinear, true, 3, 4, 5, 7)]
    [InlineData(UpsampleMode.Bilinear, true, 5, 4, 3, 1)]
    public void Upsample_gradcheck(UpsampleMode mode, bool alignCorners, int h, int w, int oh, int ow)
    {
        var x = RandD(22, 1, 2, h, w);
        GradCheck.Check(() => Ops.Upsample(x, oh, ow, mode, alignCorners), [x]).Passed.Should().BeTrue();
    }

    [Fact]
    public void Upsample_errors_name_the_shapes()
    {
        var x = RandD(1, 1, 2, 3, 3);
        FluentActions.Invoking(() => Ops.Upsample(RandD(1, 2, 3, 3), 6, 6)).Should().Throw<ArgumentException>().WithMessage("*upsample*(2, 3, 3)*");
        FluentActions.Invoking(() => Ops.Upsample(x, 0, 6)).Should().Throw<ArgumentException>().WithMessage("*(0, 6)*(1, 2, 3, 3)*");
        FluentActions.Invoking(() => Ops.Upsample(x, 6, 6, UpsampleMode.Nearest, alignCorners: true)).Should().Throw<ArgumentException>().WithMessage("*alignCorners*(1, 2, 3, 3)*");
    }
}

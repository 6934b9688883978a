using Cac.Testing;
using FluentAssertions;
using Xunit;
using static Cac.Tests.Core.ShapeOpsTestUtil;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Core;

public class PadTests
{
    [Fact]
    public void Positive_pads_surround_the_plane_with_the_value()
    {
        var x = Plane(new double[,] { { 1, 2 }, { 3, 4 } });
        Ops.Pad2d(x, left: 1, right: 0, top: 0, bottom: 2, value: -1).ShouldBe([1, 1, 4, 3],
            [-1, 1, 2,
             -1, 3, 4,
             -1, -1, -1,
             -1, -1, -1]);
    }

    [Fact]
    public void Negative_pads_crop()
    {
        // 1..16 in 4x4; crop the left column and the bottom two rows, pad one column of 7 on the right.
        var x = Ops.Affine(Arange(1, 1, 1, 4, 4), 1, 1);
        Ops.Pad2d(x, left: -1, right: 1, top: 0, bottom: -2, value: 7).ShouldBe([1, 1, 2, 4],
            [2, 3, 4, 7,
             6, 7, 8, 7]);
    }

    [Fact]
    public void Gradient_is_the_interior_and_zero_where_cropped()
    {
        var x = Arange(1, 1, 2, 3, 3);
        x.RequiresGrad = true;
        var y = Ops.Pad2d(x, left: 2, right: -1, top: -1, bottom: 1);
        // Weight each output element by its own flat index so the gradient shows where each input went.
        var weights = Arange(1, y.Shape);
        Ops.Sum(Ops.Mul(y, weights)).Backward();
        // y: (1, 2, 3, 4). Input (c, i, j) with i >= 1, j <= 1 sits at output (c, i - 1, j + 2).
        var expected = new double[18];
        for (int c = 0; c < 2; c++)
            for (int i = 1; i < 3; i++)
                for (int j = 0; j < 2; j++)
                    expected[c * 9 + i * 3 + j] = c * 12 + (i - 1) * 4 + j + 2;
        x.Grad!.ShouldBe([1, 2, 3, 3], expected);
    }

    [Fact]
    public void Float32_matches_float64()
    {
        var x = RandD(31, 2, 2, 3, 4).Detach();
        var y64 = Ops.Pad2d(x, 2, -1, 1, 0, 0.25).ToDoubleArray();
        var y32 = Ops.Pad2d(x.To(DType.Float32), 2, -1, 1, 0, 0.25).ToDoubleArray();
        for (int i = 0; i < y64.Length; i++) y32[i].Should().BeApproximately(y64[i], 1e-6);
    }

    [Theory]
    [Trait("Category", "GradCheck")]
    [InlineData(1, 2, 0, 1)]
    [InlineData(-1, -1, -2, 0)]
    [InlineData(2, -1, -1, 3)]
    public void Pad_gradcheck(int left, int right, int top, int bottom)
    {
        var x = RandD(32, 1, 2, 4, 3);
        GradCheck.Check(() => Ops.Pad2d(x, left, right, top, bottom, 0.5), [x]).Passed.Should().BeTrue();
    }

    [Fact]
    public void Errors_name_the_shapes()
    {
        FluentActions.Invoking(() => Ops.Pad2d(RandD(1, 1, 3, 3), 1, 1, 1, 1)).Should().Throw<ArgumentException>().WithMessage("*pad2d*(1, 3, 3)*");
        FluentActions.Invoking(() => Ops.Pad2d(RandD(1, 1, 1, 3, 3), -2, -1, 0, 0)).Should().Throw<ArgumentException>().WithMessage("*(1, 1, 3, 3)*(1, 1, 3, 0)*");
    }
}

using Cac.Testing;
using FluentAssertions;
using Xunit;
using static Cac.Tests.Core.ShapeOpsTestUtil;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Core;

public class ConcatTests
{
    [Fact]
    public void Concat_along_columns_and_rows()
    {
        var a = Tensor.FromArray([1.0, 2], [2, 1]);
        var b = Tensor.FromArray([3.0, 4, 5, 6], [2, 2]);
        Ops.Concat([a, b], 1).ShouldBe([2, 3], [1, 3, 4, 2, 5, 6]);
        Ops.Concat([b, Tensor.FromArray([7.0, 8], [1, 2])], 0).ShouldBe([3, 2], [3, 4, 5, 6, 7, 8]);
        Ops.Concat([a, b], -1).ShouldBe([2, 3], [1, 3, 4, 2, 5, 6]);
    }

    [Fact]
    public void Concat_of_channels_keeps_each_sample_together()
    {
        // (2, 1, 2) and (2, 2, 2) along axis 1: sample 0 gets a's channel then b's two channels.
        var a = Arange(1, 2, 1, 2);
        var b = Ops.Affine(Arange(1, 2, 2, 2), 1, 10);
        Ops.Concat([a, b]).ShouldBe([2, 3, 2], [0, 1, 10, 11, 12, 13, 2, 3, 14, 15, 16, 17]);
    }

    [Fact]
    public void Narrow_copies_a_slice()
    {
        var x = Arange(1, 3, 4);
        Ops.Narrow(x, 1, 1, 2).ShouldBe([3, 2], [1, 2, 5, 6, 9, 10]);
        Ops.Narrow(x, 1, -2, 2).ShouldBe([3, 2], [2, 3, 6, 7, 10, 11]);
        Ops.Narrow(x, 0, 2, 1).ShouldBe([1, 4], [8, 9, 10, 11]);
    }

    [Fact]
    public void Narrow_gradient_is_zero_outside_the_slice()
    {
        var x = Arange(1, 2, 4);
        x.RequiresGrad = true;
        Ops.Sum(Ops.Narrow(x, 1, 1, 2)).Backward();
        x.Grad!.ShouldBe([2, 4], [0, 1, 1, 0, 0, 1, 1, 0]);
    }

    [Fact]
    public void Concat_works_on_float32()
    {
        var a = RandF(1, 2, 3, 2);
        var b = RandF(2, 2, 1, 2);
        var y = Ops.Concat([a, b], 1);
        y.DType.Should().Be(DType.Float32);
        Ops.Narrow(y, 1, 3, 1).ToFloatArray().Should().Equal(b.ToFloatArray());
        Ops.Narrow(y, 1, 0, 3).ToFloatArray().Should().Equal(a.ToFloatArray());
    }

    [Fact]
    [Trait("Category", "GradCheck")]
    public void Concat_of_three_along_axis_1_gradcheck()
    {
        var a = RandD(51, 2, 1, 2, 2);
        var b = RandD(52, 2, 3, 2, 2);
        var c = RandD(53, 2, 2, 2, 2);
        GradCheck.Check(() => Ops.Concat([a, b, c], 1), [a, b, c]).Passed.Should().BeTrue();
    }

    [Fact]
    [Trait("Category", "GradCheck")]
    public void Concat_of_three_along_axis_0_gradcheck()
    {
        var a = RandD(54, 1, 2, 3);
        var b = RandD(55, 2, 2, 3);
        var c = RandD(56, 3, 2, 3);
        GradCheck.Check(() => Ops.Concat([a, b, c], 0), [a, b, c]).Passed.Should().BeTrue();
    }

    [Fact]
    [Trait("Category", "GradCheck")]
    public void Concat_with_a_constant_input_and_a_repeated_input_gradcheck()
    {
        var a = RandD(57, 2, 3);
        var constant = RandD(58, 2, 2).Detach();
        GradCheck.Check(() => Ops.Concat([a, constant, a], -1), [a]).Passed.Should().BeTrue();
    }

    [Theory]
    [Trait("Category", "GradCheck")]
    [InlineData(1, 1, 2)]
    [InlineData(0, 1, 1)]
    [InlineData(-1, 0, 3)]
    public void Narrow_gradcheck(int axis, int start, int length)
    {
        var x = RandD(59, 2, 4, 3);
        GradCheck.Check(() => Ops.Narrow(x, axis, start, length), [x]).Passed.Should().BeTrue();
    }

    [Fact]
    public void Concat_errors_name_shapes_and_axis()
    {
        var a = RandD(1, 2, 3, 4);
        FluentActions.Invoking(() => Ops.Concat([a, RandD(2, 2, 5, 5)], 1)).Should().Throw<ArgumentException>()
            .WithMessage("*axis 1*(2, 3, 4)*(2, 5, 5)*");
        FluentActions.Invoking(() => Ops.Concat([a, RandD(3, 2, 3)], 0)).Should().Throw<ArgumentException>()
            .WithMessage("*axis 0*(2, 3, 4)*(2, 3)*");
        FluentActions.Invoking(() => Ops.Concat([a, RandF(4, 2, 3, 4)], 1)).Should().Throw<ArgumentException>()
            .WithMessage("*concat*dtypes*");
        FluentActions.Invoking(() => Ops.Concat([], 0)).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Narrow_errors_name_the_shape()
    {
        var x = RandD(1, 2, 4);
        FluentActions.Invoking(() => Ops.Narrow(x, 1, 3, 2)).Should().Throw<ArgumentException>().WithMessage("*narrow*extent 4*(2, 4)*");
        FluentActions.Invoking(() => Ops.Narrow(x, 1, -5, 1)).Should().Throw<ArgumentException>().WithMessage("*narrow*(2, 4)*");
        FluentActions.Invoking(() => Ops.Narrow(x, 0, 0, -1)).Should().Throw<ArgumentException>().WithMessage("*narrow*(2, 4)*");
    }
}

using Cac.Testing;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Core;

public class ReduceAndShapeGradTests
{
    [Fact]
    [Trait("Category", "GradCheck")]
    public void Sum_of_all_elements()
    {
        var x = RandD(1, 2, 3, 4);
        GradCheck.Check(() => Ops.Sum(x), [x]).Passed.Should().BeTrue();
    }

    [Theory]
    [Trait("Category", "GradCheck")]
    [InlineData(false)]
    [InlineData(true)]
    public void Sum_over_axes(bool keepDim)
    {
        var x = RandD(2, 2, 3, 4);
        var y = Ops.Sum(x, [0, -1], keepDim);
        y.Shape.Should().Equal(keepDim ? [1, 3, 1] : new[] { 3 });
        GradCheck.Check(() => Ops.Sum(x, [0, -1], keepDim), [x]).Passed.Should().BeTrue();
    }

    [Fact]
    [Trait("Category", "GradCheck")]
    public void Mean_of_all_and_over_axes()
    {
        var x = RandD(3, 2, 3, 4);
        GradCheck.Check(() => Ops.Mean(x), [x]).Passed.Should().BeTrue();
        GradCheck.Check(() => Ops.Mean(x, [1], keepDim: true), [x]).Passed.Should().BeTrue();
        GradCheck.Check(() => Ops.Mean(x, [0, 2]), [x]).Passed.Should().BeTrue();
    }

    [Fact]
    [Trait("Category", "GradCheck")]
    public void Channel_mean()
    {
        var x = RandD(4, 2, 3, 2, 2);
        Ops.ChannelMean(x).Shape.Should().Equal(2, 1, 2, 2);
        GradCheck.Check(() => Ops.ChannelMean(x), [x]).Passed.Should().BeTrue();
    }

    [Fact]
    [Trait("Category", "GradCheck")]
    public void Reshape_and_flatten()
    {
        var x = RandD(5, 2, 3, 2);
        GradCheck.Check(() => Ops.Reshape(x, 3, -1) * Ops.Reshape(x, 3, 4), [x]).Passed.Should().BeTrue();
        GradCheck.Check(() => Ops.Flatten(x) * Ops.Flatten(x), [x]).Passed.Should().BeTrue();
    }

    [Fact]
    [Trait("Category", "GradCheck")]
    public void Permute_and_transpose()
    {
        var x = RandD(6, 2, 3, 4);
        // Multiply by a non-uniform weight so that a wrong inverse permutation changes the gradient.
        var w = RandD(7, 4, 2, 3).Detach();
        GradCheck.Check(() => Ops.Permute(x, 2, 0, 1) * w, [x]).Passed.Should().BeTrue();
        var m = RandD(8, 3, 5);
        var wt = RandD(9, 5, 3).Detach();
        GradCheck.Check(() => Ops.Transpose(m) * wt, [m]).Passed.Should().BeTrue();
    }

    [Fact]
    [Trait("Category", "GradCheck")]
    public void Broadcast_to()
    {
        var x = RandD(10, 3, 1);
        GradCheck.Check(() => Ops.BroadcastTo(x, [2, 3, 4]), [x]).Passed.Should().BeTrue();
    }

    [Fact]
    public void Cast_passes_the_gradient_back_in_the_source_dtype()
    {
        var x = RandD(11, 2, 3);
        var w = RandF(12, 2, 3);
        var y = Ops.Cast(x, DType.Float32);
        y.DType.Should().Be(DType.Float32);
        MaxAbsDiff(y.ToFloatArray(), x.ToFloatArray()).Should().Be(0);
        Ops.Sum(y * w).Backward();
        x.Grad!.DType.Should().Be(DType.Float64);
        MaxAbsDiff(x.Grad.ToFloatArray(), w.ToFloatArray()).Should().Be(0);
    }

    [Fact]
    public void Reshape_to_a_wrong_size_names_both_shapes()
    {
        var x = RandD(13, 2, 3);
        var act = () => Ops.Reshape(x, 4, 2);
        act.Should().Throw<ArgumentException>().WithMessage("*(2, 3)*(4, 2)*");
        var inferred = () => Ops.Reshape(x, 4, -1);
        inferred.Should().Throw<ArgumentException>().WithMessage("*(2, 3)*(4, -1)*");
    }

    [Fact]
    public void Bad_permutation_and_broadcast_name_the_shapes()
    {
        var x = RandD(14, 2, 3);
        var permute = () => Ops.Permute(x, 0, 0);
        permute.Should().Throw<ArgumentException>().WithMessage("*(0, 0)*(2, 3)*");
        var broadcast = () => Ops.BroadcastTo(x, [4, 3, 3]);
        broadcast.Should().Throw<ArgumentException>().WithMessage("*(2, 3)*(4, 3, 3)*");
    }
}

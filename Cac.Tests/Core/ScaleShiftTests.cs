using Cac.Testing;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Core;

public class ScaleShiftTests
{
    [Fact]
    public void Forward_equals_the_broadcast_ops()
    {
        var x = RandF(1, 3, 1, 5, 7);
        var scale = Tensor.FromArray([-1.75f], [1]);
        var shift = Tensor.FromArray([0.375f], [1]);
        var expected = Ops.Add(Ops.Mul(x, scale), shift).ToFloatArray();
        Ops.ScaleShift(x, scale, shift).ToFloatArray().Should().Equal(expected);
    }

    [Fact]
    [Trait("Category", "GradCheck")]
    public void Gradients_of_input_scale_and_shift()
    {
        var x = RandD(2, 2, 1, 3, 4);
        var scale = RandD(3, 1);
        var shift = RandD(4, 1);
        GradCheck.Check(() => Ops.ScaleShift(x, scale, shift), [x, scale, shift]).Passed.Should().BeTrue();
    }

    [Fact]
    public void Scale_and_shift_must_be_single_elements()
    {
        var x = RandF(1, 2, 3);
        var act = () => Ops.ScaleShift(x, Tensor.Ones([2]), Tensor.Zeros([1]));
        act.Should().Throw<ArgumentException>().WithMessage("*scale_shift*(2)*(1)*");
    }
}

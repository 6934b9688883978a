using Cac.Testing;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Core;

[Trait("Category", "GradCheck")]
public class ElementwiseGradTests
{
    [Theory]
    [InlineData("add")]
    [InlineData("sub")]
    [InlineData("mul")]
    [InlineData("div")]
    public void Binary_ops_with_broadcasting(string op)
    {
        var a = RandD(1, 2, 3, 4);
        var b = RandD(2, 3, 1) ;
        if (op == "div") b = (Ops.Abs(b) + 1.0).Detach().To(DType.Float64);
        b.RequiresGrad = true;
        Func<Tensor> f = op switch
        {
            "add" => () => a + b,
            "sub" => () => a - b,
            "mul" => () => a * b,
            _ => () => a / b,
        };
        GradCheck.Check(f, [a, b]).Passed.Should().BeTrue();
    }

    [Theory]
    [InlineData("maximum")]
    [InlineData("minimum")]
    public void Maximum_and_minimum_with_broadcasting(string op)
    {
        var a = RandD(6, 2, 3, 4);
        var b = RandD(7, 3, 1); // random draws: no ties, where the function has a kink
        Func<Tensor> f = op == "maximum" ? () => Ops.Maximum(a, b) : () => Ops.Minimum(a, b);
        GradCheck.Check(f, [a, b]).Passed.Should().BeTrue();
        var (av, bv) = (a.ToDoubleArray(), Ops.BroadcastTo(b, [2, 3, 4]).ToDoubleArray());
        f().ToDoubleArray().Should().Equal(av.Zip(bv, (x, y) => op == "maximum" ? Math.Max(x, y) : Math.Min(x, y)));
    }

    [Fact]
    public void Maximum_splits_the_gradient_of_a_tie_in_half_as_torch_does()
    {
        var a = Tensor.FromArray([1.0, 2.0, 3.0], [3], requiresGrad: true);
        var b = Tensor.FromArray([2.0, 2.0, 2.0], [3], requiresGrad: true);
        Ops.Sum(Ops.Maximum(a, b)).Backward();
        a.Grad!.ToDoubleArray().Should().Equal(0.0, 0.5, 1.0);
        b.Grad!.ToDoubleArray().Should().Equal(1.0, 0.5, 0.0);
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void Sign_and_clamp_values(DType dtype)
    {
        // 19 values: the vectorised body and a scalar tail of the broadcasting min / max on every Vector width.
        var values = Enumerable.Range(0, 19).Select(i => (i - 9) / 4.0).ToArray();
        var x = Tensor.FromArray(values, [19]).To(dtype);
        Ops.Sign(x).ToDoubleArray().Should().Equal(values.Select(v => (double)Math.Sign(v)));
        Ops.Clamp(x, -1, 0.5).ToDoubleArray().Should().Equal(values.Select(v => Math.Clamp(v, -1, 0.5)));
        var act = () => Ops.Clamp(x, 1, 0);
        act.Should().Throw<ArgumentException>().WithMessage("*min 1 must not exceed max 0*");
    }

    [Theory]
    [InlineData(UnaryOp.Neg)]
    [InlineData(UnaryOp.Relu)]
    [InlineData(UnaryOp.Sigmoid)]
    [InlineData(UnaryOp.Tanh)]
    [InlineData(UnaryOp.Exp)]
    [InlineData(UnaryOp.Log)]
    [InlineData(UnaryOp.Sqrt)]
    [InlineData(UnaryOp.Abs)]
    [InlineData(UnaryOp.Sign)]
    public void Unary_ops(UnaryOp op)
    {
        // Positive inputs away from 0 for log/sqrt; inputs away from the kinks of relu/abs.
        var x = (Ops.Abs(RandD(3, 2, 5)) + 0.1).Detach();
        if (op is UnaryOp.Relu or UnaryOp.Abs or UnaryOp.Sign or UnaryOp.Neg or UnaryOp.Sigmoid or UnaryOp.Tanh)
            x = (x * Tensor.FromArray([1.0, -1.0, 1.0, -1.0, 1.0], [5])).Detach();
        x.RequiresGrad = true;
        Func<Tensor> f = op switch
        {
            UnaryOp.Neg => () => Ops.Neg(x),
            UnaryOp.Relu => () => Ops.Relu(x),
            UnaryOp.Sigmoid => () => Ops.Sigmoid(x),
            UnaryOp.Tanh => () => Ops.Tanh(x),
            UnaryOp.Exp => () => Ops.Exp(x),
            UnaryOp.Log => () => Ops.Log(x),
            UnaryOp.Sqrt => () => Ops.Sqrt(x),
            UnaryOp.Sign => () => Ops.Sign(x),
            _ => () => Ops.Abs(x),
        };
        GradCheck.Check(f, [x]).Passed.Should().BeTrue();
    }

    [Fact]
    public void Fused_add_relu_gradients_for_one_shape_and_with_broadcasting()
    {
        // 3 x 11 = 33 elements: a vector body and a scalar tail; values straddle 0.
        var (a, b) = (RandD(31, 3, 11), RandD(32, 3, 11));
        GradCheck.Check(() => Ops.AddRelu(a, b), [a, b]).Passed.Should().BeTrue();
        var bias = RandD(33, 1, 11);
        GradCheck.Check(() => Ops.AddRelu(a, bias), [a, bias]).Passed.Should().BeTrue();
    }

    [Fact]
    public void Fused_add_relu_equals_relu_of_the_sum()
    {
        var (a, b) = (RandF(34, 4, 37), RandF(35, 4, 37));
        var fused = Ops.AddRelu(a, b).ToFloatArray();
        fused.Should().Equal(Ops.Relu(a + b).ToFloatArray());
        fused.Should().Contain(0f).And.Contain(v => v > 0f);
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void Relu_keeps_nan_in_the_vector_body_and_the_scalar_tail(DType dtype)
    {
        // 19 values: the vectorised body and a scalar tail on every Vector width; NaN at the front and at the end.
        var values = Enumerable.Range(0, 19).Select(i => i % 2 == 0 ? -1.0 - i : 1.0 + i).ToArray();
        values[0] = values[18] = double.NaN;
        var y = Ops.Relu(Tensor.FromArray(values, [19]).To(dtype)).ToDoubleArray();
        double.IsNaN(y[0]).Should().BeTrue("body");
        double.IsNaN(y[18]).Should().BeTrue("tail");
        y[1..18].Should().Equal(values[1..18].Select(v => Math.Max(v, 0.0)));
    }

    [Fact]
    public void Affine_and_scalar_operators()
    {
        var x = RandD(4, 3, 3);
        GradCheck.Check(() => 2.5 - x * 3.0 + 1.0 / 4.0, [x]).Passed.Should().BeTrue();
    }

    [Fact]
    public void Checker_fails_on_a_deliberately_wrong_backward()
    {
        var x = RandD(5, 4);
        // y = 3x, but the backward claims 2 * g.
        Func<Tensor> wrong = () =>
        {
            var y = Ops.Affine(x.Detach(), 3, 0);
            return Autograd.Record("wrong", y, [x], grad => [grad * 2.0]);
        };
        var result = GradCheck.Check(wrong, [x]);
        result.Passed.Should().BeFalse();
        result.Report.Should().Contain("analytic").And.Contain("numeric");
        var act = () => GradCheck.Assert(wrong, [x]);
        act.Should().Throw<GradCheckException>();
    }
}

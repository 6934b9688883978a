using Cac.Testing;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Core;

public class SoftmaxTests
{
    [Theory]
    [Trait("Category", "GradCheck")]
    [InlineData(false)]
    [InlineData(true)]
    public void Gradients_over_the_last_axis(bool log)
    {
        var x = RandD(1, 2, 3, 4);
        GradCheck.Check(() => log ? Ops.LogSoftmax(x) : Ops.Softmax(x), [x]).Passed.Should().BeTrue();
    }

    [Fact]
    public void Softmax_rows_sum_to_one_and_match_a_hand_computation()
    {
        var x = RandD(2, 3, 5).Detach();
        var y = Ops.Softmax(x).ToDoubleArray();
        var xs = x.ToDoubleArray();
        for (int r = 0; r < 3; r++)
        {
            var row = xs.Skip(r * 5).Take(5).ToArray();
            double denominator = row.Sum(Math.Exp);
            for (int j = 0; j < 5; j++) y[r * 5 + j].Should().BeApproximately(Math.Exp(row[j]) / denominator, 1e-12);
            y.Skip(r * 5).Take(5).Sum().Should().BeApproximately(1.0, 1e-12);
        }
    }

    [Fact]
    public void Log_softmax_is_the_log_of_softmax()
    {
        var x = RandD(3, 4, 6).Detach();
        var logY = Ops.LogSoftmax(x).ToDoubleArray();
        var y = Ops.Softmax(x).ToDoubleArray();
        for (int i = 0; i < y.Length; i++) logY[i].Should().BeApproximately(Math.Log(y[i]), 1e-12);
    }

    [Fact]
    public void Large_logits_stay_finite_in_float32()
    {
        var x = Tensor.FromArray([1000f, 1001f, 1002f, -1000f, 0f, 1000f], [2, 3]);
        var y = Ops.Softmax(x).ToFloatArray();
        var logY = Ops.LogSoftmax(x).ToFloatArray();
        y.Concat(logY).Should().OnlyContain(v => float.IsFinite(v));
        // Row 0 is softmax([0, 1, 2]); row 1 puts all mass on its last element.
        double z = 1 + Math.E + Math.E * Math.E;
        y[0].Should().BeApproximately((float)(1 / z), 1e-6f);
        y[2].Should().BeApproximately((float)(Math.E * Math.E / z), 1e-6f);
        y[5].Should().BeApproximately(1f, 1e-6f);
        logY[3].Should().BeApproximately(-2000f, 1e-3f);
        logY[4].Should().BeApproximately(-1000f, 1e-3f);
    }

    [Fact]
    public void Float32_gradient_matches_float64()
    {
        var x64 = RandD(4, 3, 7);
        var x32 = x64.Detach().To(DType.Float32);
        x32.RequiresGrad = true;
        var grad = RandD(5, 3, 7).Detach();
        Ops.Softmax(x64).Backward(grad);
        Ops.Softmax(x32).Backward(grad.To(DType.Float32));
        MaxAbsDiff(x32.Grad!.ToFloatArray(), x64.Grad!.ToFloatArray()).Should().BeLessThan(1e-6);
    }

    [Fact]
    public void Rejects_a_scalar()
    {
        var act = () => Ops.Softmax(Tensor.Scalar(1.0));
        act.Should().Throw<ArgumentException>().WithMessage("*softmax*");
    }
}

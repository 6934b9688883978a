using Cac.Testing;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Core;

public class CrossEntropyTests
{
    private static readonly int[] LabelValues = [0, 3, 4, 1];

    private static Tensor Labels(params int[] v) => Tensor.FromArray(v, [v.Length]);

    [Fact]
    [Trait("Category", "GradCheck")]
    public void Gradient_wrt_logits()
    {
        var logits = RandD(1, 4, 5);
        var labels = Labels(LabelValues);
        GradCheck.Check(() => Ops.CrossEntropy(logits, labels), [logits]).Passed.Should().BeTrue();
    }

    [Fact]
    public void Value_is_the_mean_negative_log_probability_of_the_label()
    {
        var logits = RandD(2, 4, 5).Detach();
        var loss = Ops.CrossEntropy(logits, Labels(LabelValues));
        loss.Rank.Should().Be(0);
        loss.Item().Should().BeApproximately(HandLoss(logits.ToDoubleArray(), LabelValues, 5), 1e-12);
    }

    [Fact]
    public void Gradient_is_softmax_minus_one_hot_over_n()
    {
        var logits = RandD(3, 4, 5);
        Ops.CrossEntropy(logits, Labels(LabelValues)).Backward();
        var xs = logits.ToDoubleArray();
        var grad = logits.Grad!.ToDoubleArray();
        for (int r = 0; r < 4; r++)
        {
            var row = xs.Skip(r * 5).Take(5).ToArray();
            double z = row.Sum(Math.Exp);
            for (int j = 0; j < 5; j++)
                grad[r * 5 + j].Should().BeApproximately((Math.Exp(row[j]) / z - (j == LabelValues[r] ? 1 : 0)) / 4, 1e-12);
        }
    }

    [Fact]
    public void Large_logits_stay_finite_in_float32()
    {
        var logits = Tensor.FromArray([1000f, 0f, -1000f, 500f, 1001f, 1002f], [2, 3], requiresGrad: true);
        var loss = Ops.CrossEntropy(logits, Labels(2, 0));
        // Row 0: 2000; row 1: logsumexp(500, 1001, 1002) - 500 = 502 + log(1 + e^-1 + e^-502).
        double expected = (2000 + 502 + Math.Log(1 + Math.Exp(-1))) / 2;
        loss.Item().Should().BeApproximately(expected, 1e-3);
        loss.Backward();
        logits.Grad!.ToFloatArray().Should().OnlyContain(v => float.IsFinite(v));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(-1)]
    public void Out_of_range_label_is_named_with_its_index(int bad)
    {
        var logits = RandD(4, 4, 5);
        var act = () => Ops.CrossEntropy(logits, Labels(0, 1, bad, 2));
        act.Should().Throw<ArgumentException>().WithMessage($"*label {bad} at index 2*[0, 5)*");
    }

    [Fact]
    public void Rejects_float_labels_and_mismatched_shapes()
    {
        var logits = RandD(5, 4, 5);
        var floatLabels = () => Ops.CrossEntropy(logits, Tensor.Zeros([4]));
        floatLabels.Should().Throw<ArgumentException>().WithMessage("*int32*float32*");
        var shortLabels = () => Ops.CrossEntropy(logits, Labels(0, 1, 2));
        shortLabels.Should().Throw<ArgumentException>().WithMessage("*(4)*(4, 5)*(3)*");
        var logits3d = () => Ops.CrossEntropy(RandD(6, 4, 5, 1), Labels(0, 1, 2, 3));
        logits3d.Should().Throw<ArgumentException>().WithMessage("*2-D*(4, 5, 1)*");
    }

    private static double HandLoss(double[] xs, int[] labels, int classes)
    {
        double total = 0;
        for (int r = 0; r < labels.Length; r++)
        {
            var row = xs.Skip(r * classes).Take(classes).ToArray();
            total += Math.Log(row.Sum(Math.Exp)) - row[labels[r]];
        }
        return total / labels.Length;
    }
}

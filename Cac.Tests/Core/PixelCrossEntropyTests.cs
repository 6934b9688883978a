using Cac.Testing;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Core;

public class PixelCrossEntropyTests
{
    // (2, 2, 3): two images of 2 x 3 pixels over 4 classes, two pixels ignored.
    private static readonly int[] LabelValues = [0, 3, 255, 1, 2, 2, 3, 255, 0, 1, 1, 0];

    private static Tensor Labels(int[] values, params int[] shape) => Tensor.FromArray(values, shape);

    [Fact]
    [Trait("Category", "GradCheck")]
    public void Gradient_wrt_logits_with_weights_and_ignored_pixels()
    {
        var logits = RandD(1, 2, 4, 2, 3);
        var labels = Labels(LabelValues, 2, 2, 3);
        GradCheck.Check(() => Ops.PixelCrossEntropy(logits, labels, [0.5, 2.0, 1.0, 3.0]), [logits]).Passed.Should().BeTrue();
    }

    [Fact]
    public void Without_ignored_pixels_or_weights_it_is_the_classification_loss_of_every_pixel()
    {
        var logits = RandD(2, 2, 4, 2, 3).Detach();
        var labels = LabelValues.Select(v => v == 255 ? 1 : v).ToArray();
        var rows = Ops.Reshape(Ops.Permute(logits, 0, 2, 3, 1), 12, 4);
        Ops.PixelCrossEntropy(logits, Labels(labels, 2, 2, 3)).Item()
            .Should().BeApproximately(Ops.CrossEntropy(rows, Labels(labels, 12)).Item(), 1e-12);
    }

    [Fact]
    public void Value_is_the_weighted_mean_over_the_pixels_that_are_not_ignored()
    {
        var logits = RandD(3, 2, 4, 2, 3).Detach();
        double[] weights = [0.5, 2.0, 1.0, 3.0];
        var x = logits.ToDoubleArray();
        double total = 0, weightSum = 0;
        for (int p = 0; p < 12; p++)
        {
            if (LabelValues[p] == 255) continue;
            int n = p / 6, pixel = p % 6;
            var scores = Enumerable.Range(0, 4).Select(c => x[(n * 4 + c) * 6 + pixel]).ToArray();
            double w = weights[LabelValues[p]];
            total += w * (Math.Log(scores.Sum(Math.Exp)) - scores[LabelValues[p]]);
            weightSum += w;
        }
        Ops.PixelCrossEntropy(logits, Labels(LabelValues, 2, 2, 3), weights).Item().Should().BeApproximately(total / weightSum, 1e-12);
    }

    [Fact]
    public void Ignored_pixels_get_no_gradient_and_zero_weight_classes_none_either()
    {
        var logits = RandD(4, 2, 4, 2, 3);
        Ops.PixelCrossEntropy(logits, Labels(LabelValues, 2, 2, 3), [0.0, 1.0, 1.0, 1.0]).Backward();
        var grad = logits.Grad!.ToDoubleArray();
        for (int p = 0; p < 12; p++)
        {
            bool silent = LabelValues[p] == 255 || LabelValues[p] == 0;
            var g = Enumerable.Range(0, 4).Select(c => grad[(p / 6 * 4 + c) * 6 + p % 6]).ToArray();
            if (silent) g.Should().OnlyContain(v => v == 0, $"pixel {p} has label {LabelValues[p]}");
            else g.Should().Contain(v => v != 0, $"pixel {p} has label {LabelValues[p]}");
        }
    }

    [Fact]
    public void Every_pixel_ignored_gives_zero_loss_and_zero_gradient()
    {
        var logits = RandD(5, 1, 3, 2, 2);
        var loss = Ops.PixelCrossEntropy(logits, Labels([255, 255, 255, 255], 1, 2, 2));
        loss.Item().Should().Be(0);
        loss.Backward();
        logits.Grad!.ToDoubleArray().Should().OnlyContain(v => v == 0);
    }

    [Fact]
    public void Float32_matches_float64()
    {
        var logits = RandD(6, 2, 4, 2, 3).Detach();
        var labels = Labels(LabelValues, 2, 2, 3);
        double[] weights = [0.5, 2.0, 1.0, 3.0];
        Ops.PixelCrossEntropy(logits.To(DType.Float32), labels, weights).Item()
            .Should().BeApproximately(Ops.PixelCrossEntropy(logits, labels, weights).Item(), 1e-5);
    }

    [Fact]
    public void Errors_name_the_pixel_or_the_shapes()
    {
        var logits = RandD(7, 2, 4, 2, 3);
        var outOfRange = () => Ops.PixelCrossEntropy(logits, Labels([0, 1, 2, 3, 0, 1, 2, 3, 4, 0, 1, 2], 2, 2, 3));
        outOfRange.Should().Throw<ArgumentException>().WithMessage("*label 4 at (n 1, y 0, x 2)*[0, 4)*255*");
        var shape = () => Ops.PixelCrossEntropy(logits, Labels(new int[12], 2, 3, 2));
        shape.Should().Throw<ArgumentException>().WithMessage("*(2, 2, 3)*(2, 4, 2, 3)*(2, 3, 2)*");
        var weights = () => Ops.PixelCrossEntropy(logits, Labels(LabelValues, 2, 2, 3), [1.0, 1.0]);
        weights.Should().Throw<ArgumentException>().WithMessage("*2 class weights for 4 classes*");
        var negative = () => Ops.PixelCrossEntropy(logits, Labels(LabelValues, 2, 2, 3), [1.0, -1.0, 1.0, 1.0]);
        negative.Should().Throw<ArgumentException>().WithMessage("*non-negative*");
    }
}

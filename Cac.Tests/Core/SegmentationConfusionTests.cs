using Cac.Metrics;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Core;

public class SegmentationConfusionTests
{
    // Two 3 x 3 images over 3 classes, counted by hand:
    //   truth       prediction        truth       prediction
    //   0 0 1       0 1 1             2 2 2       2 2 0
    //   0 1 1       0 1 2             255 2 1     1 2 1
    //   255 1 1     2 1 1             0 0 255     0 2 0
    private static readonly int[] Truth = [0, 0, 1, 0, 1, 1, 255, 1, 1, 2, 2, 2, 255, 2, 1, 0, 0, 255];
    private static readonly int[] Predicted = [0, 1, 1, 0, 1, 2, 2, 1, 1, 2, 2, 0, 1, 2, 1, 0, 2, 0];

    private static SegmentationConfusion Counted()
    {
        var confusion = new SegmentationConfusion(3);
        confusion.Add(Truth.AsSpan(0, 9), Predicted.AsSpan(0, 9));
        confusion.Add(Truth.AsSpan(9), Predicted.AsSpan(9));
        return confusion;
    }

    [Fact]
    public void Counts_every_pixel_but_the_ignored_ones()
    {
        var confusion = Counted();
        confusion.Pixels.Should().Be(15);
        // truth 0: predicted 0, 1, 0, 0, 2; truth 1: 1, 1, 2, 1, 1, 1; truth 2: 2, 2, 0, 2.
        long[,] expected = { { 3, 1, 1 }, { 0, 5, 1 }, { 1, 0, 3 } };
        for (int t = 0; t < 3; t++)
            for (int p = 0; p < 3; p++)
                confusion.Count(t, p).Should().Be(expected[t, p], $"truth {t}, prediction {p}");
    }

    [Fact]
    public void Scores_are_the_hand_counted_ratios()
    {
        var confusion = Counted();
        // IoU = TP / (row + column - TP): class 0: 3 / (5 + 4 - 3), class 1: 5 / (6 + 6 - 5), class 2: 3 / (4 + 5 - 3).
        confusion.PerClassIoU().Should().Equal([3 / 6.0, 5 / 7.0, 3 / 6.0]);
        confusion.MeanIoU().Should().BeApproximately((0.5 + 5 / 7.0 + 0.5) / 3, 1e-15);
        confusion.PixelAccuracy().Should().Be(11 / 15.0);
    }

    [Fact]
    public void A_class_absent_from_truth_and_prediction_has_no_score_and_leaves_the_mean()
    {
        var confusion = new SegmentationConfusion(4);
        confusion.Add([0, 0, 1, 1], [0, 1, 1, 1]);
        double.IsNaN(confusion.IoU(2)).Should().BeTrue();
        double.IsNaN(confusion.IoU(3)).Should().BeTrue();
        confusion.MeanIoU().Should().BeApproximately((1 / 2.0 + 2 / 3.0) / 2, 1e-15);
    }

    [Fact]
    public void A_class_only_predicted_scores_zero()
    {
        var confusion = new SegmentationConfusion(3);
        confusion.Add([0, 0, 0], [0, 0, 2]);
        confusion.IoU(2).Should().Be(0);
        confusion.MeanIoU().Should().BeApproximately((2 / 3.0 + 0) / 2, 1e-15);
    }

    [Fact]
    public void Empty_matrix_has_no_scores()
    {
        var confusion = new SegmentationConfusion(2);
        confusion.Add([255, 255], [0, 1]);
        confusion.Pixels.Should().Be(0);
        double.IsNaN(confusion.PixelAccuracy()).Should().BeTrue();
        double.IsNaN(confusion.MeanIoU()).Should().BeTrue();
    }

    [Fact]
    public void Out_of_range_labels_are_named_with_their_pixel()
    {
        var confusion = new SegmentationConfusion(3);
        var truth = () => confusion.Add([0, 3], [0, 0]);
        truth.Should().Throw<ArgumentException>().WithMessage("*ground truth 3 at pixel 1*[0, 3)*");
        var prediction = () => confusion.Add([0, 1], [0, -1]);
        prediction.Should().Throw<ArgumentException>().WithMessage("*prediction -1 at pixel 1*");
        var lengths = () => confusion.Add([0, 1], [0]);
        lengths.Should().Throw<ArgumentException>().WithMessage("*2 ground-truth pixels but 1 predictions*");
    }
}

using Cac.Training;
using Cac.Models;
using Cac.Nn;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.ContentAware;

public class CacBudgetCalibrationTests
{
    private static (CostAwareObjective Cost, Tensor Images, Tensor Labels) Setup()
    {
        var model = ModelRegistry.Create("cac-resnet20", 1, 10, new Generator(5));
        var cost = CostAwareObjective.For(model, [1, 1, 16, 16]);
        var images = RandF(7, 16, 1, 16, 16);
        var labels = Tensor.FromArray(Enumerable.Range(0, 16).Select(i => i * 7 % 10).ToArray(), [16]);
        return (cost, images, labels);
    }

    [Theory]
    [InlineData(0.8)]
    [InlineData(0.5)]
    public void The_budget_is_met_and_the_thresholds_match_the_chosen_ratios(double fraction)
    {
        var (cost, images, labels) = Setup();
        var lines = new List<string>();
        var budget = CacBudgetCalibration.Calibrate(cost, images, labels, fraction, lines.Add);

        lines.Should().HaveCount(19);
        budget.SharpRatios.Select(r => r.Layer).Should().Equal(cost.Layers.Select(l => l.Name));
        budget.SharpRatios.Should().OnlyContain(r => CacBudgetCalibration.Levels.Contains(r.SharpRatio));
        var byName = budget.SharpRatios.ToDictionary(r => r.Layer, r => r.SharpRatio);
        budget.Madds.Should().Be(cost.Madds(l => byName[cost.Layers.Single(c => c.Layer == l).Name]));
        budget.Madds.Should().BeLessThanOrEqualTo(fraction * cost.BaselineMadds);
        // Greedy, one level at a time: undoing any single step would break the budget.
        budget.Madds.Should().BeGreaterThan(fraction * cost.BaselineMadds - cost.Layers.Max(l => l.Madds(1) - l.Madds(0.75)));

        // The thresholds were set: the same batch in eval mode runs each layer at its chosen ratio (random images: no ties).
        var model = cost.Model;
        model.Eval();
        using (Autograd.NoGrad()) model.Forward(images);
        foreach (var l in cost.Layers) l.Layer.LastSharpRatio.Should().BeApproximately(byName[l.Name], 0.01, l.Name);
    }

    [Fact]
    public void A_budget_below_the_all_smooth_cost_is_refused()
    {
        var (cost, images, labels) = Setup();
        double floor = cost.Madds(_ => 0) / cost.BaselineMadds;
        var act = () => CacBudgetCalibration.Calibrate(cost, images, labels, floor / 2);
        act.Should().Throw<ArgumentException>().WithMessage("*below*fully smooth*");
        act = () => CacBudgetCalibration.Calibrate(cost, images, labels, 1.5);
        act.Should().Throw<ArgumentException>().WithMessage("*(0, 1], got 1.5*");
    }
}

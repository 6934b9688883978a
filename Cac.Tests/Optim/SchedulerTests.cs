using Cac.Optim;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Optim;

public class SchedulerTests
{
    private static Sgd Optimizer(double lr) => new([Tensor.Zeros([1], requiresGrad: true)], lr);

    // The lr after construction, then after each of `steps` Step() calls.
    private static List<double> Sequence(LrScheduler scheduler, int steps)
    {
        var lrs = new List<double> { scheduler.Optimizer.LearningRate };
        for (int i = 0; i < steps; i++)
        {
            scheduler.Step();
            scheduler.CurrentLr.Should().Be(scheduler.Optimizer.LearningRate);
            lrs.Add(scheduler.Optimizer.LearningRate);
        }
        return lrs;
    }

    private static void ShouldMatch(List<double> actual, params double[] expected) =>
        actual.Should().Equal(expected, (a, e) => Math.Abs(a - e) < 1e-15);

    [Fact]
    public void MultiStepLR_divides_at_each_milestone()
    {
        var opt = Optimizer(0.1);
        ShouldMatch(Sequence(new MultiStepLR(opt, [2, 4]), 4), 0.1, 0.1, 0.01, 0.01, 0.001);
    }

    [Fact]
    public void MultiStepLR_with_unsorted_milestones_and_custom_gamma()
    {
        var opt = Optimizer(1.0);
        ShouldMatch(Sequence(new MultiStepLR(opt, [3, 1], gamma: 0.5), 4), 1.0, 0.5, 0.5, 0.25, 0.25);
    }

    [Fact]
    public void CosineAnnealingLR_follows_the_closed_form()
    {
        var opt = Optimizer(0.1);
        var lrs = Sequence(new CosineAnnealingLR(opt, tMax: 4, etaMin: 0.01), 4);
        // eta_min + (0.1 - eta_min) * (1 + cos(pi t / 4)) / 2 at t = 0..4.
        double c = Math.Sqrt(0.5);
        ShouldMatch(lrs, 0.1, 0.01 + 0.09 * (1 + c) / 2, 0.055, 0.01 + 0.09 * (1 - c) / 2, 0.01);
    }

    [Fact]
    public void LinearWarmup_rises_linearly_then_holds()
    {
        var opt = Optimizer(0.1);
        ShouldMatch(Sequence(new LinearWarmup(opt, warmupSteps: 4, startFactor: 0.2), 6), 0.02, 0.04, 0.06, 0.08, 0.1, 0.1, 0.1);
    }

    [Fact]
    public void Warmup_then_cosine_through_SequentialLR_matches_pytorch()
    {
        var opt = Optimizer(0.1);
        var warmup = new LinearWarmup(opt, 3, 0.1);
        var cosine = new CosineAnnealingLR(opt, 4);
        // Both schedulers share the base lr 0.1 though the warm-up changed the optimizer's lr first.
        cosine.BaseLr.Should().Be(0.1);
        var lrs = Sequence(new SequentialLR(opt, [warmup, cosine], [3]), 9);
        // PyTorch 1.13: SequentialLR([LinearLR(start_factor=0.1, total_iters=3), CosineAnnealingLR(T_max=4)], milestones=[3]).
        ShouldMatch(lrs, 0.01, 0.04, 0.07, 0.1, 0.08535533905932738, 0.05, 0.014644660940672627, 0.0, 0.014644660940672622, 0.05);
    }

    [Fact]
    public void Resume_jumps_to_an_epoch()
    {
        var opt = Optimizer(0.1);
        var s = new MultiStepLR(opt, [2, 4]);
        s.Resume(3);
        s.LastEpoch.Should().Be(3);
        opt.LearningRate.Should().BeApproximately(0.01, 1e-15);
        s.Step();
        opt.LearningRate.Should().BeApproximately(0.001, 1e-15);
    }

    [Fact]
    public void The_optimizer_state_carries_the_learning_rates()
    {
        var opt = Optimizer(0.1);
        new MultiStepLR(opt, [1]).Step();
        var state = opt.State();
        var other = Optimizer(0.5);
        other.LoadState(state);
        other.LearningRate.Should().BeApproximately(0.01, 1e-15);
        other.InitialLearningRate.Should().Be(0.1);
    }
}

using Cac.Nn;
using Cac.Optim;
using Cac.Training;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.ContentAware;

/// <summary>
/// The options of the learned-threshold recipe (docs/learned-thresholds.md): batch-norm recalibration, the lambda ramp and
/// the per-layer threshold learning rates normalised by the score scale.
/// </summary>
public class LearnedThresholdRecipeTests
{
    [Fact]
    public void Bn_recalibration_sets_the_running_stats_to_the_average_batch_statistics_of_the_recalibration_data()
    {
        var conv = new Conv2d(2, 3, 3, padding: 1, generator: new Generator(3));
        var bn = new BatchNorm2d(3);
        var model = new Sequential(conv, bn);
        model.To(DType.Float64);
        // Stale statistics, as after training with other masks.
        bn.RunningMean.CopyFrom(Tensor.FromArray(new[] { 5.0, -5.0, 9.0 }, [3]));
        bn.RunningVar.CopyFrom(Tensor.FromArray(new[] { 40.0, 0.01, 7.0 }, [3]));
        var batches = new[] { Affine(RandD(1, 4, 2, 5, 5), 2, 1), Affine(RandD(2, 3, 2, 5, 5), 0.5, -3) };
        model.Eval();

        int used = BatchNormRecalibration.Recalibrate(model, batches);

        used.Should().Be(2);
        var expectedMean = new double[3];
        var expectedVar = new double[3];
        foreach (var x in batches)
        {
            double[] y;
            using (Autograd.NoGrad()) y = conv.Forward(x).ToDoubleArray();
            int n = x.Dims[0], hw = 25;
            for (int c = 0; c < 3; c++)
            {
                var values = Enumerable.Range(0, n).SelectMany(i => y.Skip((i * 3 + c) * hw).Take(hw)).ToArray();
                double mean = values.Average();
                expectedMean[c] += mean / batches.Length;
                expectedVar[c] += values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1) / batches.Length;   // unbiased, as torch
            }
        }
        bn.RunningMean.ToDoubleArray().Should().Equal(expectedMean, (a, b) => Math.Abs(a - b) < 1e-9);
        bn.RunningVar.ToDoubleArray().Should().Equal(expectedVar, (a, b) => Math.Abs(a - b) < 1e-9);
        bn.Momentum.Should().Be(0.1, "the momentum is restored");
        model.Training.Should().BeFalse("the training mode is restored");
        bn.Training.Should().BeFalse();
    }

    [Fact]
    public void Bn_recalibration_refuses_a_model_without_batch_norm_and_an_empty_batch_list()
    {
        var conv = new Conv2d(1, 1, 3);
        FluentActions.Invoking(() => BatchNormRecalibration.Recalibrate(conv, [RandD(1, 1, 1, 4, 4).To(DType.Float32)]))
            .Should().Throw<ArgumentException>().WithMessage("*no BatchNorm2d*");
        FluentActions.Invoking(() => BatchNormRecalibration.Recalibrate(new Sequential(new BatchNorm2d(1)), []))
            .Should().Throw<ArgumentException>().WithMessage("*no batch*");
    }

    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(99, 0.0)]     // last warm-up step
    [InlineData(100, 0.06)]   // first ramp step: 1/5 of the target
    [InlineData(102, 0.18)]
    [InlineData(104, 0.3)]    // last ramp step reaches the target
    [InlineData(105, 0.3)]
    [InlineData(10_000, 0.3)]
    public void Lambda_ramp_gives_the_stated_lambda_at_each_step(long step, double lambda) =>
        new LambdaRamp(0.3, 100, 5).At(step).Should().BeApproximately(lambda, 1e-12);

    [Fact]
    public void Lambda_ramp_from_fractions_rounds_to_whole_steps_and_checks_its_fractions()
    {
        var ramp = LambdaRamp.FromFractions(0.2, 938, 0.3, 0.5);     // 281.4 and 469 steps
        ramp.Should().Be(new LambdaRamp(0.2, 281, 469));
        ramp.At(280).Should().Be(0);
        ramp.At(281 + 468).Should().Be(0.2);
        LambdaRamp.FromFractions(0.2, 10, 0, 0).At(0).Should().Be(0.2, "no warm-up and no ramp: the target from the first step");
        FluentActions.Invoking(() => LambdaRamp.FromFractions(0.2, 10, 0.6, 0.5)).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void The_objective_uses_the_lambda_it_is_set_to()
    {
        var cac = new ContentAwareConv2d(2, 3, 3, padding: 1, bias: false, generator: new Generator(21));
        var model = new Sequential(cac, new Conv2d(3, 4, 1, bias: false, generator: new Generator(22)));
        var objective = CostAwareObjective.For(model, [1, 2, 6, 6]);
        cac.Beta.CopyFrom(Tensor.FromArray(new[] { -1.5f }, [1]));
        model.Forward(RandD(7, 2, 2, 6, 6).To(DType.Float32));
        var loss = Tensor.FromArray(new[] { 2.0f }, [1]);
        double ratio = objective.CostRatio().Item();
        ratio.Should().BeLessThan(1);
        objective.Lambda = 0;
        objective.Loss(loss).Item().Should().Be(2.0);
        objective.Lambda = 0.5;
        objective.Loss(loss).Item().Should().BeApproximately(2.0 * Math.Sqrt(ratio), 1e-5);
        FluentActions.Invoking(() => objective.Lambda = -0.1).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Score_scale_is_the_mean_sobel_score_of_each_layers_input_and_scales_the_threshold_learning_rates()
    {
        var first = new ContentAwareConv2d(2, 3, 3, padding: 1, generator: new Generator(1));
        var second = new ContentAwareConv2d(3, 2, 3, stride: 2, padding: 1, generator: new Generator(2));
        var model = new Sequential(first, new ReLU(), second);
        model.To(DType.Float64);
        var x = Affine(RandD(5, 2, 2, 8, 8), 3, 0);

        var scales = CacScoreScale.Measure(model, x);

        double g1 = Ops.Mean(Ops.CacScoreMap(x, 3, 1, 1)).Item();
        double g2;
        using (Autograd.NoGrad()) g2 = Ops.Mean(Ops.CacScoreMap(Ops.Relu(first.Forward(x)), 3, 2, 1)).Item();
        scales.Select(s => s.Name).Should().Equal("0", "2");
        scales[0].MeanG.Should().BeApproximately(g1, 1e-9);
        scales[1].MeanG.Should().BeApproximately(g2, 1e-9);
        g1.Should().NotBeApproximately(g2, 1e-3, "the test needs layers of different score scales");

        // Plain SGD (no momentum, no decay): each threshold moves by its learning rate times its gradient.
        var optimizer = new Sgd(model.Parameters(), lr: 0.01);
        CacScoreScale.NormaliseLearningRates(model, optimizer, x, factor: 2);
        foreach (var p in model.Parameters()) p.Grad = Tensor.Ones(p.Dims.ToArray()).To(DType.Float64);
        var before = new[] { first.Beta, first.Gamma, second.Beta, second.Gamma }.Select(t => t.Item()).ToArray();
        optimizer.Step();
        (before[0] - first.Beta.Item()).Should().BeApproximately(0.01 * 2 * g1, 1e-12);
        (before[1] - first.Gamma.Item()).Should().BeApproximately(0.01 * 2 / g1, 1e-12);
        (before[2] - second.Beta.Item()).Should().BeApproximately(0.01 * 2 * g2, 1e-12);
        (before[3] - second.Gamma.Item()).Should().BeApproximately(0.01 * 2 / g2, 1e-12);
    }

    private static Tensor Affine(Tensor x, double scale, double shift)
    {
        using (Autograd.NoGrad()) return Ops.Affine(x, scale, shift);
    }
}

using Cac.Optim;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Optim;

public class LearningRateScaleTests
{
    // Two parameters with the same gradient, one given ten times the learning rate, under a scheduler.
    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void Scaled_parameter_moves_by_its_factor_times_the_scheduled_rate(string kind)
    {
        var a = Tensor.FromArray(new[] { 1.0, -1.0 }, [2]);
        var b = Tensor.FromArray(new[] { 1.0, -1.0 }, [2]);
        var reference = Tensor.FromArray(new[] { 1.0, -1.0 }, [2]);
        Optimizer Create(params Tensor[] ps) => kind == "sgd" ? new Sgd(ps, 0.1, momentum: 0.9, nesterov: true) : new Adam(ps, 0.1);
        var opt = Create(a, b);
        opt.ScaleLearningRate([b], 10);
        // The reference runs b's trajectory alone with a base rate ten times larger.
        var refOpt = Create(reference);
        refOpt.LearningRate = 1.0;
        var schedule = new CosineAnnealingLR(opt, 4);
        var refSchedule = new CosineAnnealingLR(refOpt, 4);
        for (int step = 0; step < 3; step++)
        {
            var grad = Tensor.FromArray(new[] { 0.3 * (step + 1), -0.2 }, [2]);
            a.Grad = grad;
            b.Grad = grad;
            reference.Grad = grad;
            opt.Step();
            refOpt.Step();
            schedule.Step();
            refSchedule.Step();
        }
        // (0.1 x cos) x 10 and 1.0 x cos may differ in the last bit.
        b.ToDoubleArray().Should().Equal(reference.ToDoubleArray(), (x, y) => Math.Abs(x - y) < 1e-12);
        a.ToDoubleArray().Should().NotEqual(b.ToDoubleArray());
    }

    [Fact]
    public void Rejects_parameters_it_does_not_optimise_and_bad_factors()
    {
        var a = Tensor.FromArray(new[] { 1.0 }, [1]);
        var opt = new Sgd([a], 0.1);
        opt.Invoking(o => o.ScaleLearningRate([Tensor.FromArray(new[] { 1.0 }, [1])], 2)).Should().Throw<ArgumentException>().WithMessage("*not optimised*");
        opt.Invoking(o => o.ScaleLearningRate([a], double.NaN)).Should().Throw<ArgumentException>().WithMessage("*factor*");
    }
}

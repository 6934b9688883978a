using Cac.Models;
using Cac.Nn;
using Cac.Optim;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.ContentAware;

/// <summary>
/// The cost-aware objective L = loss * (c / c_base)^lambda. A double-precision gradcheck through the hard gate is
/// meaningless, so the gradients are compared with the straight-through values computed here independently.
/// </summary>
public class CostAwareObjectiveTests
{
    // A CAC conv (2 -> 3, 3x3, padding 1) followed by a 1x1 projection (3 -> 4), on 6 x 6 inputs.
    private sealed record Tiny(ContentAwareConv2d Cac, Conv2d Projection, Sequential Model);

    private static Tiny MakeTiny(DType dtype)
    {
        var cac = new ContentAwareConv2d(2, 3, 3, padding: 1, bias: false, generator: new Generator(21));
        var projection = new Conv2d(3, 4, 1, bias: false, generator: new Generator(22));
        var model = new Sequential(cac, projection);
        model.To(dtype);
        return new Tiny(cac, projection, model);
    }

    private const double Omega = 2 * 3 * 9 * 36;     // the CAC layer as a standard conv
    private const double Constant = 3 * 4 * 36;      // the 1x1 projection
    private const double Baseline = Omega + Constant;

    private static double Cost(double rho) => Constant + (rho + (1 - rho) / 9) * Omega + 13 * 36;

    [Fact]
    public void It_takes_constants_baseline_and_layer_geometry_from_a_madds_count()
    {
        var tiny = MakeTiny(DType.Float32);
        var objective = CostAwareObjective.For(tiny.Model, [1, 2, 6, 6]);
        objective.Lambda.Should().Be(0.3);
        objective.Layers.Should().ContainSingle().Which.Should().Be(new CacLayerCost("0", tiny.Cac, 6, 6));
        objective.Layers[0].Omega.Should().Be((long)Omega);
        objective.ConstantMadds.Should().BeApproximately(Constant, 1e-6);
        objective.BaselineMadds.Should().BeApproximately(Baseline, 1e-6);
        objective.Madds(_ => 0.25).Should().BeApproximately(Cost(0.25), 1e-6);
        tiny.Cac.PositionCount.Should().Be(0, "building the objective is not a measured pass");

        var noCac = () => CostAwareObjective.For(new Sequential(new Conv2d(2, 3, 3)), [1, 2, 6, 6]);
        noCac.Should().Throw<ArgumentException>().WithMessage("*no content-aware layer*");
        var negative = () => CostAwareObjective.For(tiny.Model, [1, 2, 6, 6], lambda: -0.1);
        negative.Should().Throw<ArgumentException>().WithMessage("*lambda*");
    }

    [Fact]
    public void Value_and_straight_through_gradients_match_the_analytic_ones()
    {
        const double lambda = 0.3;
        var tiny = MakeTiny(DType.Float64);
        var objective = CostAwareObjective.For(tiny.Model, [1, 2, 6, 6], lambda);
        var x = RandD(23, 2, 2, 6, 6).Detach();
        var coef = RandD(24, 2, 3, 6, 6).Detach();
        var gmap = Ops.CacScoreMap(x, 3, 1, 1, 1).ToDoubleArray();                 // (2, 1, 6, 6)
        var sorted = gmap.OrderBy(v => v).ToArray();
        double gamma = 0.9;
        double beta = -gamma * (sorted[40] + sorted[41]) / 2;                        // 31 of 72 windows sharp
        tiny.Cac.Beta.CopyFrom(Tensor.Full([1], beta, DType.Float64));
        tiny.Cac.Gamma.CopyFrom(Tensor.Full([1], gamma, DType.Float64));

        var y = tiny.Cac.Forward(x);                                                 // (2, 3, 6, 6)
        tiny.Projection.Forward(y);
        var loss = Ops.Affine(Ops.Sum(Ops.Mul(y, coef)), 1, 50);                     // loss = sum(coef * y) + 50
        var total = objective.Loss(loss);

        // Value.
        var mask = gmap.Select(v => gamma * v + beta > 0).ToArray();
        double rho = (double)mask.Count(m => m) / mask.Length;
        rho.Should().Be(31.0 / 72);
        double ratio = Cost(rho) / Baseline;
        objective.CostRatio().Item().Should().BeApproximately(ratio, 1e-12);
        double lossValue = loss.Item();
        total.Item().Should().BeApproximately(lossValue * Math.Pow(ratio, lambda), 1e-9);

        // Independent straight-through values: y_sharp = conv3x3(x, W), y_smooth = 1x1 conv of the centre pixel with
        // w_phi = sum of W over its taps; d loss / d score_i = sum_c coef * (y_sharp if sharp, -y_smooth if smooth).
        var w = tiny.Cac.Weight.ToDoubleArray();                                      // (3, 2, 3, 3)
        var xs = x.ToDoubleArray();
        var c = coef.ToDoubleArray();
        var sharpY = Ops.Conv2d(x, tiny.Cac.Weight.Detach(), null, 1, 1).ToDoubleArray();
        double dLossDBeta = 0, dLossDGamma = 0, dRhoDGamma = 0;
        for (int n = 0; n < 2; n++)
            for (int i = 0; i < 6; i++)
                for (int j = 0; j < 6; j++)
                {
                    int pos = (n * 6 + i) * 6 + j;
                    double dScore = 0;
                    for (int co = 0; co < 3; co++)
                    {
                        double smooth = 0;
                        for (int ci = 0; ci < 2; ci++)
                        {
                            double wPhi = 0;
                            for (int t = 0; t < 9; t++) wPhi += w[(co * 2 + ci) * 9 + t];
                            smooth += wPhi * xs[((n * 2 + ci) * 6 + i) * 6 + j];
                        }
                        int o = ((n * 3 + co) * 6 + i) * 6 + j;
                        dScore += mask[pos] ? c[o] * sharpY[o] : -c[o] * smooth;
                    }
                    dLossDBeta += dScore;
                    dLossDGamma += dScore * gmap[pos];
                    if (mask[pos]) dRhoDGamma += gmap[pos] / mask.Length;
                }
        double a = Omega * (1 - 1.0 / 9) / Baseline;                                  // d ratio / d rho
        double scale = Math.Pow(ratio, lambda);
        double dTotalDRatio = lossValue * lambda * Math.Pow(ratio, lambda - 1);
        double expectedBeta = scale * dLossDBeta + dTotalDRatio * a * rho;            // d rho / d beta = mean(mask)
        double expectedGamma = scale * dLossDGamma + dTotalDRatio * a * dRhoDGamma;   // d rho / d gamma = mean(mask * G)

        total.Backward();
        tiny.Cac.Beta.Grad!.Item().Should().BeApproximately(expectedBeta, 1e-9 * Math.Max(1, Math.Abs(expectedBeta)));
        tiny.Cac.Gamma.Grad!.Item().Should().BeApproximately(expectedGamma, 1e-9 * Math.Max(1, Math.Abs(expectedGamma)));
        (dTotalDRatio * a * rho).Should().BeGreaterThan(0, "the cost term pulls beta down");
    }

    [Fact]
    public void Lambda_zero_leaves_the_loss_alone()
    {
        var tiny = MakeTiny(DType.Float32);
        var objective = CostAwareObjective.For(tiny.Model, [1, 2, 6, 6], lambda: 0);
        var loss = Tensor.Scalar(2.5);
        objective.Loss(loss).Should().BeSameAs(loss);
    }

    [Fact]
    public void The_cost_term_pushes_beta_down_and_the_sharp_ratio_with_it()
    {
        // A constant data loss isolates the cost term: gradient descent on it alone can only make the masks cheaper.
        var tiny = MakeTiny(DType.Float32);
        var objective = CostAwareObjective.For(tiny.Model, [1, 2, 6, 6]);
        var x = RandF(25, 4, 2, 6, 6);
        var optimizer = new Sgd([tiny.Cac.Beta], 2.0);
        tiny.Model.Train();
        double firstRho = double.NaN, previousBeta = tiny.Cac.Beta.Item();
        for (int step = 0; step < 15; step++)
        {
            tiny.Model.Forward(x);
            if (step == 0) firstRho = tiny.Cac.LastSharpRatio;
            if (tiny.Cac.LastSharpRatio == 0) break;   // nothing left to save
            optimizer.ZeroGrad();
            objective.Loss(Tensor.Scalar(1.0)).Backward();
            tiny.Cac.Beta.Grad!.Item().Should().BeGreaterThan(0, $"step {step}: rho = {tiny.Cac.LastSharpRatio} > 0");
            optimizer.Step();
            tiny.Cac.Beta.Item().Should().BeLessThan(previousBeta);
            previousBeta = tiny.Cac.Beta.Item();
        }
        tiny.Model.Forward(x);
        firstRho.Should().Be(1);
        tiny.Cac.LastSharpRatio.Should().BeLessThan(0.9);
    }

    [Fact]
    public void With_a_real_loss_the_cost_term_adds_a_positive_beta_gradient()
    {
        var net = ModelRegistry.Create("cac-resnet20", 1, 4, new Generator(26));
        var objective = CostAwareObjective.For(net, [1, 1, 8, 8], lambda: 0.3);
        var x = RandF(27, 3, 1, 8, 8);
        var labels = Tensor.FromArray([0, 3, 1], [3]);
        var betas = net.NamedModules().Select(m => m.Module).OfType<ContentAwareConv2d>().Select(c => c.Beta).ToList();

        double[] BetaGrads(bool costAware)
        {
            net.ZeroGrad();
            var ce = Ops.CrossEntropy(net.Forward(x), labels);
            // Without the cost term: the same scaling (c / c_base)^lambda as a constant, so only the cost's own gradient differs.
            var scale = Math.Pow(objective.CostRatio().Item(), objective.Lambda);
            (costAware ? objective.Loss(ce) : Ops.Affine(ce, scale, 0)).Backward();
            return betas.Select(b => b.Grad!.Item()).ToArray();
        }

        var withCost = BetaGrads(true);
        var without = BetaGrads(false);
        for (int i = 0; i < betas.Count; i++)
            (withCost[i] - without[i]).Should().BeGreaterThan(0, $"layer {i}: the cost term's gradient on beta is positive while windows are sharp");
    }
}

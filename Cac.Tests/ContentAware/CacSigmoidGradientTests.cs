using Cac.Nn;
using Cac.Testing;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.ContentAware;

/// <summary>
/// The sigmoid surrogate of the threshold gradient (<see cref="CacScoreGradient.Sigmoid"/>): the gate, the blend it feeds,
/// and the layer, against closed forms and against the gated (sparse) path where the two must agree.
/// </summary>
public class CacSigmoidGradientTests
{
    private static Tensor Leaf(Tensor t)
    {
        var leaf = t.Detach();
        leaf.RequiresGrad = true;
        return leaf;
    }

    [Fact]
    public void Gate_is_the_hard_step_forward_and_the_sigmoid_slope_backward()
    {
        var score = Leaf(RandD(1, 2, 1, 5, 5));
        const double t = 0.7;
        var gate = Ops.CacSigmoidGate(score, t);
        var grad = RandD(2, 2, 1, 5, 5);
        gate.Backward(grad);

        var s = score.ToDoubleArray();
        var g = grad.ToDoubleArray();
        gate.ToDoubleArray().Should().Equal(s.Select(v => v > 0 ? 1.0 : 0.0));
        var expected = s.Select((v, i) =>
        {
            double sigma = 1 / (1 + Math.Exp(-v / t));
            return g[i] * sigma * (1 - sigma) / t;
        }).ToArray();
        score.Grad!.ToDoubleArray().Should().Equal(expected, (a, e) => Math.Abs(a - e) <= 1e-12 * (1 + Math.Abs(e)));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NaN)]
    public void Gate_refuses_a_temperature_that_is_not_a_finite_positive_number(double t)
    {
        var act = () => Ops.CacSigmoidGate(RandD(1, 1, 1, 2, 2), t);
        act.Should().Throw<ArgumentException>().WithMessage("*temperature*");
    }

    [Theory]
    [Trait("Category", "GradCheck")]
    [InlineData(3, 1, 1, 1, true)]
    [InlineData(3, 2, 1, 1, false)]
    [InlineData(5, 1, 2, 2, true)]
    public void Blend_passes_gradcheck_in_every_input_the_gates_included(int k, int stride, int pad, int groups, bool bias)
    {
        var x = RandD(10, 2, 4, 6, 6);
        var w = RandD(11, 4, 4 / groups, k, k);
        var b = bias ? RandD(12, 4) : null;
        int ho = (6 + 2 * pad - (k - 1) - 1) / stride + 1;
        var sharp = RandD(13, 2, 1, ho, ho);
        var smooth = RandD(14, 2, 1, ho, ho);
        Tensor[] inputs = b is null ? [x, w, sharp, smooth] : [x, w, sharp, smooth, b];
        var result = GradCheck.Check(() => Ops.ContentAwareConv2dBlend(x, w, b, sharp, smooth, stride, pad, 1, groups), inputs);
        result.Passed.Should().BeTrue(result.Report);
    }

    [Fact]
    public void Blend_with_the_gated_masks_is_the_dense_path()
    {
        var x = RandD(20, 2, 3, 7, 7);
        var w = RandD(21, 5, 3, 3, 3);
        var score = RandD(22, 2, 1, 7, 7);
        var dense = Ops.ContentAwareConv2dDense(x, w, null, score, 1, 1);
        var blend = Ops.ContentAwareConv2dBlend(x, w, null, Ops.CacSharpGate(score), Ops.CacSmoothGate(score), 1, 1);
        blend.ToDoubleArray().Should().Equal(dense.ToDoubleArray());
    }

    // A layer in double precision on a fixed input, the threshold placed so that `sharpFraction` of the windows are sharp.
    private static (ContentAwareConv2d Layer, Tensor X, Tensor Gy) Layer(CacScoreGradient gradient, CacPath path = CacPath.Sparse,
        double sharpFraction = 0.5)
    {
        var layer = new ContentAwareConv2d(3, 4, 3, padding: 1, path: path, generator: new Generator(30));
        layer.To(DType.Float64);
        var x = RandD(31, 2, 3, 8, 8);
        var scoreMap = Ops.CacScoreMap(x, 3, 1, 1, 1).ToDoubleArray().Order().ToArray();
        double threshold = sharpFraction >= 1 ? scoreMap[0] - 1 : sharpFraction <= 0 ? scoreMap[^1] + 1
            : scoreMap[(int)(scoreMap.Length * (1 - sharpFraction))] - 1e-3;
        layer.Beta.CopyFrom(Tensor.FromArray(new[] { -threshold }, [1]));
        layer.ScoreGradient = gradient;
        return (layer, x, RandD(32, 2, 4, 8, 8));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void Sparse_surrogate_equals_the_dense_blend_in_every_gradient(double sharpFraction)
    {
        var (sparse, x, gy) = Layer(CacScoreGradient.Sigmoid, CacPath.Sparse, sharpFraction);
        var (dense, _, _) = Layer(CacScoreGradient.Sigmoid, CacPath.Dense, sharpFraction);
        var xSparse = Leaf(x);
        var xDense = Leaf(x);
        // The output and the sharp ratio, as the cost-aware objective uses both.
        var lossSparse = Ops.Add(Ops.Sum(Ops.Mul(sparse.Forward(xSparse), gy)), Ops.Affine(sparse.SharpRatio(), 3, 0));
        var lossDense = Ops.Add(Ops.Sum(Ops.Mul(dense.Forward(xDense), gy)), Ops.Affine(dense.SharpRatio(), 3, 0));
        lossSparse.Backward();
        lossDense.Backward();

        sparse.LastSharpRatio.Should().Be(dense.LastSharpRatio).And.Be(sharpFraction == 0.5 ? sparse.LastSharpRatio : sharpFraction);
        Close(xSparse.Grad!, xDense.Grad!);
        Close(sparse.Weight.Grad!, dense.Weight.Grad!);
        Close(sparse.Bias!.Grad!, dense.Bias!.Grad!);
        Close(sparse.Gamma.Grad!, dense.Gamma.Grad!);
        Close(sparse.Beta.Grad!, dense.Beta.Grad!);
        sparse.Beta.Grad!.Item().Should().NotBe(0);
    }

    [Fact]
    public void Layer_output_and_weight_gradients_equal_the_gated_path()
    {
        var (gated, x, gy) = Layer(CacScoreGradient.Gated);
        var (sigmoid, _, _) = Layer(CacScoreGradient.Sigmoid);
        var xGated = Leaf(x);
        var xSigmoid = Leaf(x);
        var yGated = gated.Forward(xGated);
        var ySigmoid = sigmoid.Forward(xSigmoid);
        yGated.Backward(gy);
        ySigmoid.Backward(gy);

        sigmoid.LastSharpRatio.Should().Be(gated.LastSharpRatio).And.BeInRange(0.3, 0.7);
        Close(ySigmoid, yGated);
        Close(xSigmoid.Grad!, xGated.Grad!);
        Close(sigmoid.Weight.Grad!, gated.Weight.Grad!);
        Close(sigmoid.Bias!.Grad!, gated.Bias!.Grad!);
    }

    [Fact]
    public void Layer_threshold_gradients_follow_the_surrogate_formula()
    {
        var (layer, x, gy) = Layer(CacScoreGradient.Sigmoid);
        layer.ScoreTemperature = 0.4;
        var y = layer.Forward(x);
        y.Backward(gy);

        // d/ds_i = sigma'(s_i / T) / T * sum_c gy * (y_sharp - y_smooth), T = 0.4 * |gamma| * mean(G).
        var scoreMap = Ops.CacScoreMap(x, 3, 1, 1, 1);
        double gamma = layer.Gamma.Item(), beta = layer.Beta.Item();
        double t = 0.4 * Math.Abs(gamma) * scoreMap.ToDoubleArray().Average();
        var ySharp = Ops.Conv2d(x, layer.Weight.Detach(), layer.Bias!.Detach(), 1, 1).ToDoubleArray();
        var wPhi = Ops.Sum(layer.Weight.Detach(), [2, 3], keepDim: true);
        var ySmooth = Ops.Conv2d(x, wPhi, layer.Bias!.Detach()).ToDoubleArray();     // k = 3, pad 1, stride 1: the centre pixel is x itself
        var g = gy.ToDoubleArray();
        var G = scoreMap.ToDoubleArray();
        double gGamma = 0, gBeta = 0;
        for (int n = 0; n < 2; n++)
            for (int p = 0; p < 64; p++)
            {
                double gScore = 0;
                for (int c = 0; c < 4; c++)
                {
                    int i = (n * 4 + c) * 64 + p;
                    gScore += g[i] * (ySharp[i] - ySmooth[i]);
                }
                double s = gamma * G[n * 64 + p] + beta, sigma = 1 / (1 + Math.Exp(-s / t));
                gScore *= sigma * (1 - sigma) / t;
                gBeta += gScore;
                gGamma += gScore * G[n * 64 + p];
            }
        layer.Beta.Grad!.Item().Should().BeApproximately(gBeta, 1e-9 * (1 + Math.Abs(gBeta)));
        layer.Gamma.Grad!.Item().Should().BeApproximately(gGamma, 1e-9 * (1 + Math.Abs(gGamma)));
    }

    [Fact]
    public void Sharp_ratio_gradient_is_the_mean_sigmoid_slope()
    {
        var (layer, x, _) = Layer(CacScoreGradient.Sigmoid);
        layer.Forward(x);
        layer.SharpRatio().Backward();

        var G = Ops.CacScoreMap(x, 3, 1, 1, 1).ToDoubleArray();
        double gamma = layer.Gamma.Item(), beta = layer.Beta.Item(), t = 0.5 * gamma * G.Average();
        double expected = G.Select(v =>
        {
            double sigma = 1 / (1 + Math.Exp(-(gamma * v + beta) / t));
            return sigma * (1 - sigma) / t;
        }).Average();
        layer.Beta.Grad!.Item().Should().BeApproximately(expected, 1e-9 * expected).And.BeGreaterThan(0);
    }

    [Fact]
    public void Layer_refuses_a_temperature_that_is_not_positive()
    {
        var layer = new ContentAwareConv2d(1, 1, 3);
        var act = () => layer.ScoreTemperature = 0;
        act.Should().Throw<ArgumentException>().WithMessage("*temperature*");
    }

    private static void Close(Tensor actual, Tensor expected) =>
        actual.ToDoubleArray().Should().Equal(expected.ToDoubleArray(), (a, e) => Math.Abs(a - e) <= 1e-10 * (1 + Math.Abs(e)));
}

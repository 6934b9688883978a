using Cac.Nn;
using Cac.Testing;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.ContentAware;

/// <summary>
/// The fused sparse forward of <see cref="ContentAwareConv2d"/> (IBackend.CacLayerForward: score map, threshold,
/// partition and convolution per sample) against the same layer built from the separate ops
/// (CacScoreMap, ScaleShift, ContentAwareConv2dSparse, CacSharpGate, Mean) on awkward geometries and partitions.
/// </summary>
public class CacFusedForwardTests
{
    public enum Partition { Mixed, AllSharp, AllSmooth }

    // The composed layer: what ContentAwareConv2d.Forward computed before the fused call.
    private static (Tensor Y, Tensor Mask, Tensor Ratio, Tensor Score) Composed(ContentAwareConv2d m, Tensor x)
    {
        var scoreMap = Ops.CacScoreMap(x, m.KernelSize, m.Stride, m.Padding, m.Dilation);
        var score = Ops.ScaleShift(scoreMap, m.Gamma, m.Beta);
        var y = Ops.ContentAwareConv2dSparse(x, m.Weight, m.Bias, score, m.Stride, m.Padding, m.Dilation, m.Groups, m.SamplePoint);
        var mask = Ops.CacSharpGate(score);
        return (y, mask, Ops.Mean(mask), scoreMap);
    }

    // beta for a partition at gamma = 0.75: at the median score (mixed), above every window (all sharp, G >= 0) or below every window.
    private static double BetaFor(ContentAwareConv2d m, Tensor x, Partition partition)
    {
        using var _ = Autograd.NoGrad();
        var scoreMap = Ops.CacScoreMap(x, m.KernelSize, m.Stride, m.Padding, m.Dilation).ToDoubleArray();
        return partition switch
        {
            Partition.Mixed => -0.75 * CacReference.Quantile(scoreMap, 0.5),
            Partition.AllSharp => 1.0,
            _ => -scoreMap.Max() - 1.0,
        };
    }

    [Theory]
    [InlineData(4, 6, 3, 1, 1, 1, 1, 9, 9, CacSamplePoint.Centre, true, Partition.Mixed)]
    [InlineData(3, 5, 3, 2, 1, 1, 1, 11, 8, CacSamplePoint.Centre, false, Partition.Mixed)]
    [InlineData(4, 20, 5, 1, 2, 1, 1, 9, 10, CacSamplePoint.TopLeft, true, Partition.Mixed)]
    [InlineData(4, 18, 5, 2, 2, 1, 2, 12, 9, CacSamplePoint.Centre, true, Partition.Mixed)]
    [InlineData(6, 6, 3, 1, 2, 2, 3, 10, 10, CacSamplePoint.Centre, false, Partition.Mixed)]
    [InlineData(2, 17, 3, 1, 0, 1, 1, 7, 9, CacSamplePoint.TopLeft, true, Partition.Mixed)]
    [InlineData(16, 16, 3, 1, 1, 1, 1, 8, 8, CacSamplePoint.Centre, false, Partition.Mixed)]
    [InlineData(4, 6, 3, 1, 1, 1, 1, 9, 9, CacSamplePoint.Centre, true, Partition.AllSharp)]
    [InlineData(4, 18, 5, 2, 2, 1, 2, 12, 9, CacSamplePoint.Centre, true, Partition.AllSharp)]
    [InlineData(4, 6, 3, 1, 1, 1, 1, 9, 9, CacSamplePoint.Centre, true, Partition.AllSmooth)]
    [InlineData(3, 5, 3, 2, 1, 2, 1, 11, 8, CacSamplePoint.TopLeft, false, Partition.AllSmooth)]
    public void The_fused_forward_equals_the_composed_ops(int cin, int cout, int k, int stride, int pad, int dilation, int groups,
        int h, int w, CacSamplePoint point, bool bias, Partition partition)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var m = (ContentAwareConv2d)new ContentAwareConv2d(cin, cout, k, stride, pad, dilation, groups, bias, point,
                generator: new Generator(cin * 100 + cout)).To(dtype);
            var x = Tensor.RandN([3, cin, h, w], new Generator(k + stride * 10), dtype: dtype);
            m.Beta.CopyFrom(Tensor.Full([1], BetaFor(m, x, partition), dtype));
            m.Gamma.CopyFrom(Tensor.Full([1], 0.75, dtype));

            var y = m.Forward(x);
            var (yRef, maskRef, ratioRef, _) = Composed(m, x);
            double tol = dtype == DType.Float32 ? 1e-6 : 1e-13;
            CacReference.RelativeError(y.ToDoubleArray(), yRef.ToDoubleArray()).Should().BeLessThan(tol, $"{dtype} y");
            m.LastMask!.ToDoubleArray().Should().Equal(maskRef.ToDoubleArray(), $"{dtype} mask");
            m.SharpRatio().Item().Should().Be(ratioRef.Item(), $"{dtype} ratio");
            double sharp = maskRef.ToDoubleArray().Sum();
            m.LastSharpRatio.Should().Be(sharp / maskRef.Numel);
            (partition switch { Partition.AllSharp => m.LastSharpRatio == 1, Partition.AllSmooth => m.LastSharpRatio == 0, _ => m.LastSharpRatio is > 0.2 and < 0.8 })
                .Should().BeTrue($"the {partition} partition (rho {m.LastSharpRatio})");
        }
    }

    [Theory]
    [InlineData(3, 1, 1, 1, true)]
    [InlineData(3, 2, 1, 2, false)]
    [InlineData(5, 1, 2, 1, true)]
    public void The_fused_gradients_equal_the_composed_graphs(int k, int stride, int pad, int groups, bool bias)
    {
        var x = RandD(21, 2, 4, 8, 7).Detach();
        double[][] Grads(bool fused)
        {
            var m = (ContentAwareConv2d)new ContentAwareConv2d(4, 6, k, stride, pad, 1, groups, bias, generator: new Generator(22)).ToDouble();
            m.Gamma.CopyFrom(Tensor.Full([1], 0.8, DType.Float64));
            m.Beta.CopyFrom(Tensor.Full([1], -BetaScale(x, k, stride, pad), DType.Float64));
            var xi = Tensor.ZerosLike(x);
            xi.CopyFrom(x);
            xi.RequiresGrad = true;
            Tensor y, ratio;
            if (fused)
            {
                y = m.Forward(xi);
                ratio = m.SharpRatio();
            }
            else
            {
                var c = Composed(m, xi);
                (y, ratio) = (c.Y, c.Ratio);
            }
            var gy = RandD(23, y.Shape).Detach();
            var loss = Ops.Sum(Ops.Mul(y, gy)) + ratio * 3.0;
            loss.Backward();
            ratio.Item().Should().BeInRange(0.1, 0.9);
            return [xi.Grad!.ToDoubleArray(), .. m.Parameters().Select(p => p.Grad!.ToDoubleArray())];
        }
        var composed = Grads(false);
        var fusedGrads = Grads(true);
        composed.Length.Should().Be(bias ? 5 : 4);
        for (int i = 0; i < composed.Length; i++)
        {
            composed[i].Any(v => v != 0).Should().BeTrue($"gradient {i} is not trivially zero");
            CacReference.RelativeError(fusedGrads[i], composed[i]).Should().BeLessThan(1e-12, $"gradient {i}");
        }
    }

    // 0.8 * the median score map value: a mixed partition for gamma = 0.8.
    private static double BetaScale(Tensor x, int k, int stride, int pad)
    {
        using var _ = Autograd.NoGrad();
        return 0.8 * CacReference.Quantile(Ops.CacScoreMap(x, k, stride, pad).ToDoubleArray(), 0.5);
    }

    [Fact]
    public void Gradients_of_x_the_weight_and_the_bias_pass_a_gradient_check()
    {
        var m = (ContentAwareConv2d)new ContentAwareConv2d(3, 4, 3, padding: 1, generator: new Generator(31)).ToDouble();
        var x = RandD(32, 1, 3, 5, 6);
        // Threshold halfway between the two middle score values, so that no window sits at it: the central differences
        // (x +- 1e-6) then keep the partition.
        double[] scores;
        using (Autograd.NoGrad()) scores = Ops.CacScoreMap(x, 3, 1, 1).ToDoubleArray();
        Array.Sort(scores);
        m.Beta.CopyFrom(Tensor.Full([1], -(scores[scores.Length / 2] + scores[scores.Length / 2 + 1]) / 2, DType.Float64));
        var result = GradCheck.Check(() => m.Forward(x), [x, m.Weight, m.Bias!]);
        result.Passed.Should().BeTrue(result.Report);
        m.LastSharpRatio.Should().BeInRange(0.3, 0.7);
    }
}

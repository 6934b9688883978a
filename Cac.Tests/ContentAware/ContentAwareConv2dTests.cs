using Cac.Nn;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.ContentAware;

public class ContentAwareConv2dTests
{
    [Fact]
    public void Parameters_are_named_like_conv2d_plus_gamma_and_beta()
    {
        var cac = new ContentAwareConv2d(4, 6, 3, padding: 1, generator: new Generator(3));
        cac.NamedParameters().Select(p => p.Name).Should().Equal("weight", "bias", "gamma", "beta");
        cac.Weight.Shape.Should().Equal(6, 4, 3, 3);
        cac.Gamma.Shape.Should().Equal(1);
        cac.Beta.Shape.Should().Equal(1);
        cac.Gamma.Item().Should().Be(1);
        cac.Beta.Item().Should().Be(0);
        var conv = new Conv2d(4, 6, 3, padding: 1, generator: new Generator(3));
        cac.Weight.ToFloatArray().Should().Equal(conv.Weight.ToFloatArray(), "same generator, same draws as Conv2d");
        cac.Bias!.ToFloatArray().Should().Equal(conv.Bias!.ToFloatArray());
        new ContentAwareConv2d(4, 6, 3, bias: false).NamedParameters().Select(p => p.Name).Should().Equal("weight", "gamma", "beta");
    }

    [Fact]
    public void A_conv2d_checkpoint_loads_into_it()
    {
        var conv = new Conv2d(3, 5, 3, stride: 2, padding: 1, generator: new Generator(8));
        var cac = new ContentAwareConv2d(3, 5, 3, stride: 2, padding: 1, generator: new Generator(9));
        cac.LoadStateDict(conv.StateDict(), strict: false);
        cac.Weight.ToFloatArray().Should().Equal(conv.Weight.ToFloatArray());
        cac.Bias!.ToFloatArray().Should().Equal(conv.Bias!.ToFloatArray());

        var copy = ContentAwareConv2d.FromConv2d(conv, CacSamplePoint.TopLeft, CacPath.Dense);
        copy.Weight.ToFloatArray().Should().Equal(conv.Weight.ToFloatArray());
        copy.Bias!.ToFloatArray().Should().Equal(conv.Bias!.ToFloatArray());
        (copy.Stride, copy.Padding, copy.SamplePoint, copy.Path).Should().Be((2, 1, CacSamplePoint.TopLeft, CacPath.Dense));
    }

    [Theory]
    [InlineData(CacPath.Sparse, 3, 1, 1)]
    [InlineData(CacPath.Dense, 3, 1, 1)]
    [InlineData(CacPath.Sparse, 3, 2, 1)]
    [InlineData(CacPath.Sparse, 5, 1, 2)]
    [InlineData(CacPath.Dense, 5, 2, 2)]
    public void A_fresh_layer_equals_a_standard_conv_and_is_all_sharp(CacPath path, int k, int stride, int pad)
    {
        var cac = new ContentAwareConv2d(4, 6, k, stride, pad, path: path, generator: new Generator(1));
        var x = RandF(2, 2, 4, 10, 10);
        var y = cac.Forward(x);
        var expected = Ops.Conv2d(x, cac.Weight, cac.Bias, stride, pad);
        y.ToFloatArray().Should().Equal(expected.ToFloatArray());
        cac.LastSharpRatio.Should().Be(1);
        cac.AccumulatedSharpRatio.Should().Be(1);
        cac.SharpRatio().Item().Should().Be(1);
        cac.LastMask!.Shape.Should().Equal(expected.Dims[0], 1, expected.Dims[2], expected.Dims[3]);
    }

    [Theory]
    [InlineData(CacPath.Sparse)]
    [InlineData(CacPath.Dense)]
    public void A_flat_region_gives_smooth_windows_exactly_there(CacPath path)
    {
        // x: random, except rows 2..8 and columns 3..9 which hold one constant (the same in every channel).
        const int h = 12, w = 12, cin = 3;
        var values = RandF(5, 1, cin, h, w).ToFloatArray();
        bool Flat(int r, int c) => r >= 2 && r <= 8 && c >= 3 && c <= 9;
        for (int ch = 0; ch < cin; ch++)
            for (int r = 0; r < h; r++)
                for (int c = 0; c < w; c++)
                    if (Flat(r, c)) values[(ch * h + r) * w + c] = 0.75f;
        var x = Tensor.FromArray(values, [1, cin, h, w]);
        var cac = new ContentAwareConv2d(cin, 4, 3, padding: 1, path: path, generator: new Generator(6));
        var y = cac.Forward(x);

        // k = 3, stride 1, padding 1: window (i, j) covers rows i-1..i+1 and columns j-1..j+1; smooth iff all flat.
        var mask = cac.LastMask!.ToFloatArray();
        int smooth = 0;
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++)
            {
                bool flat = Flat(i - 1, j - 1) && Flat(i + 1, j + 1);
                mask[i * w + j].Should().Be(flat ? 0f : 1f, $"window ({i}, {j}) is {(flat ? "flat" : "textured")}");
                if (flat) smooth++;
            }
        smooth.Should().Be(5 * 5);
        cac.LastSharpRatio.Should().BeApproximately(1 - 25.0 / 144, 1e-12);
        // Inside a constant window the 1 x 1 conv with summed taps equals the full conv.
        TestUtil.MaxAbsDiff(y.ToFloatArray(), Ops.Conv2d(x, cac.Weight, cac.Bias, 1, 1).ToFloatArray()).Should().BeLessThan(1e-5);
    }

    [Fact]
    public void Sharp_ratio_accumulates_until_reset_and_is_differentiable_in_gamma_and_beta()
    {
        var cac = new ContentAwareConv2d(2, 3, 3, padding: 1, generator: new Generator(2)).ToDouble();
        var layer = (ContentAwareConv2d)cac;
        var x = RandD(7, 2, 2, 6, 6).Detach();
        var scoreMap = Ops.CacScoreMap(x, 3, 1, 1, 1).ToDoubleArray();
        double t = CacReference.Quantile(scoreMap, 0.6);
        layer.Beta.CopyFrom(Tensor.Full([1], -t, DType.Float64));

        layer.Forward(x);
        var rho1 = layer.SharpRatio();
        long sharp1 = scoreMap.Count(v => v - t > 0);
        layer.LastSharpRatio.Should().Be((double)sharp1 / scoreMap.Length);
        rho1.Item().Should().BeApproximately(layer.LastSharpRatio, 1e-15);
        rho1.Backward();
        layer.Beta.Grad!.Item().Should().BeApproximately(layer.LastSharpRatio, 1e-12, "d rho / d beta = sum(mask) / count");
        layer.Gamma.Grad!.Item().Should().BeApproximately(scoreMap.Where(v => v - t > 0).Sum() / scoreMap.Length, 1e-12, "d rho / d gamma = sum(mask * G) / count");

        layer.Beta.CopyFrom(Tensor.Full([1], 0.0, DType.Float64));
        using (Autograd.NoGrad()) layer.Forward(x);
        layer.LastSharpRatio.Should().Be(1);
        layer.SharpCount.Should().Be(sharp1 + scoreMap.Length);
        layer.PositionCount.Should().Be(2 * scoreMap.Length);
        layer.AccumulatedSharpRatio.Should().Be((double)(sharp1 + scoreMap.Length) / (2 * scoreMap.Length));
        layer.ResetSharpRatio();
        double.IsNaN(layer.AccumulatedSharpRatio).Should().BeTrue();
        layer.PositionCount.Should().Be(0);
    }

    [Fact]
    public void Eval_mode_uses_the_same_hard_mask()
    {
        var cac = new ContentAwareConv2d(3, 3, 3, padding: 1, generator: new Generator(4));
        cac.Beta.CopyFrom(Tensor.Full([1], -0.8, DType.Float32));
        var x = RandF(9, 2, 3, 8, 8);
        var yTrain = cac.Forward(x).ToFloatArray();
        var maskTrain = cac.LastMask!.ToFloatArray();
        cac.Eval();
        cac.Forward(x).ToFloatArray().Should().Equal(yTrain);
        cac.LastMask!.ToFloatArray().Should().Equal(maskTrain);
        maskTrain.Should().Contain(0f).And.Contain(1f);
    }

    [Fact]
    public void Module_gradients_reach_every_parameter_through_both_paths_alike()
    {
        var x = RandD(11, 2, 4, 7, 7).Detach();
        var gy = RandD(12, 2, 4, 7, 7).Detach();
        double[][] Grads(CacPath path)
        {
            var m = (ContentAwareConv2d)new ContentAwareConv2d(4, 4, 3, padding: 1, path: path, generator: new Generator(13)).ToDouble();
            m.Beta.CopyFrom(Tensor.Full([1], -1.0, DType.Float64));
            var xi = Tensor.ZerosLike(x);
            xi.CopyFrom(x);
            xi.RequiresGrad = true;
            m.Forward(xi).Backward(gy);
            m.LastSharpRatio.Should().BeInRange(0.05, 0.95);
            return [xi.Grad!.ToDoubleArray(), .. m.Parameters().Select(p => p.Grad!.ToDoubleArray())];
        }
        var dense = Grads(CacPath.Dense);
        var sparse = Grads(CacPath.Sparse);
        dense.Length.Should().Be(5);
        for (int i = 0; i < dense.Length; i++)
            CacReference.RelativeError(sparse[i], dense[i]).Should().BeLessThan(1e-9, $"gradient {i}");
    }

    [Fact]
    public void Kernel_1_is_refused_with_a_clear_message()
    {
        var act = () => new ContentAwareConv2d(4, 4, 1);
        act.Should().Throw<ArgumentException>().WithMessage("*1 x 1 convolutions are never content-aware*");
    }
}

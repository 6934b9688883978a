using System.Numerics;
using Cac.Cpu.Kernels;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Core;

/// <summary>
/// The Winograd F(4x4, 3x3) path (<see cref="ConvWinograd{T}"/>) called directly, against the naive double convolution:
/// awkward sizes (images smaller than a tile, widths and heights that are not multiples of 4, channel counts that are
/// not multiples of the register tile, blocks of several samples, padding 0 to 3), inputs with zero windows beside large
/// values, and the fused epilogue. Every result must meet Winograd's componentwise error bound
/// (<see cref="WinogradErrorBound"/>) plus the double reference's own; on the dense random inputs of
/// <see cref="Shapes"/> the forward also stays within the direct kernels' tighter bound, 4 (terms + 3) u sum |x w|.
/// </summary>
public class ConvWinogradTests
{
    // (N, Cin, H, W, Cout, padding)
    public static TheoryData<int, int, int, int, int, int> Shapes() => new()
    {
        { 1, 8, 1, 1, 8, 1 },      // one pixel: a single tile of padding
        { 3, 8, 3, 5, 9, 1 },      // smaller than a tile, odd channels
        { 2, 9, 7, 6, 13, 0 },     // unpadded, Ho x Wo = 5 x 4
        { 5, 16, 17, 17, 16, 1 },  // 17 = 4 tiles + 1 column
        { 4, 13, 9, 11, 20, 2 },   // padding 2: Ho x Wo = 11 x 13
        { 16, 64, 8, 8, 64, 1 },   // ResNet-20 stage 3: several samples per block
        { 7, 32, 16, 16, 32, 1 },  // stage 2 with an uneven batch
        { 2, 10, 32, 32, 12, 1 },  // stage 1 width, MR = 6 register tiles
        { 41, 16, 8, 8, 16, 1 },   // blocks span samples and the last block is short, on 2 or on 16 cores
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float_matches_a_naive_convolution(int n, int cin, int h, int w, int cout, int padding) =>
        Check<float>(n, cin, h, w, cout, padding, Math.Pow(2, -24));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Double_matches_a_naive_convolution(int n, int cin, int h, int w, int cout, int padding) =>
        Check<double>(n, cin, h, w, cout, padding, Math.Pow(2, -53));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float_weight_gradient_matches_a_naive_sum(int n, int cin, int h, int w, int cout, int padding) =>
        CheckWeightGradient<float>(n, cin, h, w, cout, padding, Math.Pow(2, -24));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Double_weight_gradient_matches_a_naive_sum(int n, int cin, int h, int w, int cout, int padding) =>
        CheckWeightGradient<double>(n, cin, h, w, cout, padding, Math.Pow(2, -53));

    [Theory]
    [Trait("Category", "GradCheck")]
    [InlineData(1)]
    [InlineData(0)]
    public void Gradients_through_the_winograd_paths(int padding)
    {
        // 8 channels: forward, input gradient (the flipped weights) and weight gradient all take the Winograd path.
        var x = TestUtil.RandD(30, 2, 8, 5, 6);
        var weight = TestUtil.RandD(31, 8, 8, 3, 3);
        var bias = TestUtil.RandD(32, 8);
        ConvWinograd<double>.Applies(new ConvGeometry(2, 8, 5, 6, 8, 3, 3, 1, 1, padding, padding, 1, 1, 1)).Should().BeTrue();
        var result = Cac.Testing.GradCheck.Check(() => Ops.Conv2d(x, weight, bias, 1, padding), [x, weight, bias]);
        result.Passed.Should().BeTrue(result.Report);
    }

    [Fact]
    public void Epilogue_scales_shifts_adds_the_residual_and_applies_relu()
    {
        const int n = 3, cin = 8, h = 6, w = 7, cout = 10;
        var geometry = new ConvGeometry(n, cin, h, w, cout, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        var x = Random(1, n * cin * h * w);
        var weight = Random(2, cout * cin * 9);
        var scale = Random(3, cout);
        var shift = Random(4, cout);
        var residual = Random(5, n * cout * h * w);
        var y = new double[residual.Length];
        ConvWinograd<double>.Forward(x, weight, y, geometry, new ConvEpilogue<double>(scale, shift, residual, Relu: true));

        var (expected, _, _) = ConvReferenceResults.Forward(x, [n, cin, h, w], weight, [cout, cin, 3, 3], null, 1, 1, 1, 1);
        for (int i = 0; i < y.Length; i++)
        {
            int co = i / (h * w) % cout;
            double want = Math.Max(0, expected[i] * scale[co] + shift[co] + residual[i]);
            y[i].Should().BeApproximately(want, 1e-12 * (1 + Math.Abs(want)), $"element {i}");
        }
    }

    [Theory]
    [InlineData(3, 3, 1, 1, 1, 8, 8, true)]
    [InlineData(3, 3, 2, 1, 1, 8, 8, false)]   // strided
    [InlineData(3, 3, 1, 2, 1, 8, 8, false)]   // dilated
    [InlineData(3, 3, 1, 1, 2, 8, 8, false)]   // grouped
    [InlineData(5, 5, 1, 1, 1, 8, 8, false)]   // not 3 x 3
    [InlineData(3, 3, 1, 1, 1, 4, 8, false)]   // too few input channels
    [InlineData(3, 3, 1, 1, 1, 8, 3, false)]   // too few output channels
    public void Applies_only_to_stride_1_undilated_ungrouped_3x3_convs_with_enough_channels(
        int kh, int kw, int stride, int dilation, int groups, int cin, int cout, bool applies) =>
        ConvWinograd<float>.Applies(new ConvGeometry(4, cin, 16, 16, cout, kh, kw, stride, stride, 1, 1, dilation, dilation, groups))
            .Should().Be(applies);

    [Theory]
    [InlineData(16, 16, true)]
    [InlineData(128, 128, true)]
    [InlineData(256, 256, false)] // the direct weight gradient is as fast from here on
    [InlineData(4, 16, false)]
    public void The_weight_gradient_applies_up_to_128_x_128_channels(int cin, int cout, bool applies) =>
        ConvWinograd<float>.AppliesToWeightGradient(new ConvGeometry(4, cin, 16, 16, cout, 3, 3, 1, 1, 1, 1, 1, 1, 1))
            .Should().Be(applies);

    private static void Check<T>(int n, int cin, int h, int w, int cout, int padding, double unitRoundoff)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var geometry = new ConvGeometry(n, cin, h, w, cout, 3, 3, 1, 1, padding, padding, 1, 1, 1);
        ConvWinograd<T>.Applies(geometry).Should().BeTrue();
        var x = Random(10 + n, n * cin * h * w);
        var weight = Random(20 + cin, cout * cin * 9);
        var y = new T[n * cout * geometry.Ho * geometry.Wo];
        y.AsSpan().Fill(T.NaN); // every element must be written
        ConvWinograd<T>.Forward(Cast<T>(x), Cast<T>(weight), y, geometry, ConvEpilogue<T>.Bias(null));

        var (expected, scale, shape) = ConvReferenceResults.Forward(x, [n, cin, h, w], weight, [cout, cin, 3, 3], null, 1, padding, 1, 1);
        shape.Should().Equal(n, cout, geometry.Ho, geometry.Wo);
        double bound = 4 * (cin * 9 + 3) * unitRoundoff;
        for (int i = 0; i < y.Length; i++)
        {
            double actual = double.CreateChecked(y[i]);
            if (!(Math.Abs(actual - expected[i]) <= bound * scale[i]))
                throw new Xunit.Sdk.XunitException($"element {i} of {Shape.Format(shape)}: got {actual:R}, expected {expected[i]:R}");
        }
        CheckForwardBound(x, weight, y, geometry, unitRoundoff);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 3)]
    [InlineData(true, 1)]
    [InlineData(true, 3)]
    public void Sparse_inputs_and_wide_padding_meet_the_componentwise_bound(bool isDouble, int padding)
    {
        // Mostly zeros with a few large pixels: many outputs have an all-zero 3 x 3 window but large values elsewhere in
        // their tile's 6 x 6 window; padding 3 gives outputs that see padding only.
        var geometry = new ConvGeometry(2, 8, 11, 13, 9, 3, 3, 1, 1, padding, padding, 1, 1, 1);
        var x = Random(60, geometry.N * geometry.Cin * geometry.H * geometry.W).Select((v, i) => i % 23 == 0 ? 44 * v : 0).ToArray();
        var weight = Random(61, geometry.Cout * geometry.Cin * 9);
        var gy = Random(62, geometry.N * geometry.Cout * geometry.Ho * geometry.Wo).Select((v, i) => i % 17 == 0 ? 30 * v : 0).ToArray();
        if (isDouble) CheckSparse<double>(x, weight, gy, geometry, Math.Pow(2, -53));
        else CheckSparse<float>(x, weight, gy, geometry, Math.Pow(2, -24));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_tiny_image_that_is_mostly_padding_meets_the_componentwise_bound(bool isDouble)
    {
        // 2 x 2 pixels, padding 2: the weight gradient's sums exceed the direct kernels' bound here (a review found it).
        var geometry = new ConvGeometry(1, 24, 2, 2, 30, 3, 3, 1, 1, 2, 2, 1, 1, 1);
        var x = Random(70, geometry.N * geometry.Cin * geometry.H * geometry.W);
        var weight = Random(71, geometry.Cout * geometry.Cin * 9);
        var gy = Random(72, geometry.N * geometry.Cout * geometry.Ho * geometry.Wo);
        if (isDouble) CheckSparse<double>(x, weight, gy, geometry, Math.Pow(2, -53));
        else CheckSparse<float>(x, weight, gy, geometry, Math.Pow(2, -24));
    }

    private static void CheckSparse<T>(double[] x, double[] weight, double[] gy, ConvGeometry geometry, double unitRoundoff)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = new T[geometry.N * geometry.Cout * geometry.Ho * geometry.Wo];
        ConvWinograd<T>.Forward(Cast<T>(x), Cast<T>(weight), y, geometry, ConvEpilogue<T>.Bias(null));
        CheckForwardBound(x, weight, y, geometry, unitRoundoff);
        var gw = new T[geometry.Cout * geometry.Cin * 9];
        ConvWinograd<T>.WeightGradient(Cast<T>(x), Cast<T>(gy), gw, geometry);
        CheckWeightGradientBound(x, gy, gw, geometry, unitRoundoff);
    }

    // y against the naive double convolution within Winograd's componentwise bound plus the reference's own error.
    private static void CheckForwardBound<T>(double[] x, double[] weight, T[] y, ConvGeometry geometry, double unitRoundoff)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (expected, scale, shape) = ConvReferenceResults.Forward(x, [geometry.N, geometry.Cin, geometry.H, geometry.W], weight, [geometry.Cout, geometry.Cin, 3, 3], null, 1, geometry.PadH, 1, 1);
        var bound = WinogradErrorBound.Forward(x, weight, geometry, unitRoundoff);
        double reference = 4 * (geometry.Cin * 9 + 3) * Math.Pow(2, -53);
        for (int i = 0; i < y.Length; i++)
        {
            double actual = double.CreateChecked(y[i]);
            if (!(Math.Abs(actual - expected[i]) <= bound[i] + reference * scale[i]))
                throw new Xunit.Sdk.XunitException(
                    $"element {i} of {Shape.Format(shape)}: got {actual:R}, expected {expected[i]:R}, componentwise bound {bound[i]:R}");
        }
    }

    private static void CheckWeightGradient<T>(int n, int cin, int h, int w, int cout, int padding, double unitRoundoff)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var geometry = new ConvGeometry(n, cin, h, w, cout, 3, 3, 1, 1, padding, padding, 1, 1, 1);
        var x = Random(40 + n, n * cin * h * w);
        var gy = Random(50 + cout, n * cout * geometry.Ho * geometry.Wo);
        var gw = new T[cout * cin * 9];
        gw.AsSpan().Fill(T.NaN);
        ConvWinograd<T>.WeightGradient(Cast<T>(x), Cast<T>(gy), gw, geometry);

        CheckWeightGradientBound(x, gy, gw, geometry, unitRoundoff);
    }

    // gw against the naive double sum within Winograd's componentwise bound plus the reference's own error.
    private static void CheckWeightGradientBound<T>(double[] x, double[] gy, T[] gw, ConvGeometry geometry, double unitRoundoff)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var bound = WinogradErrorBound.WeightGradient(x, gy, geometry, unitRoundoff);
        double reference = 4 * (geometry.N * geometry.Ho * geometry.Wo + 3) * Math.Pow(2, -53);
        for (int co = 0; co < geometry.Cout; co++)
            for (int ci = 0; ci < geometry.Cin; ci++)
                for (int i = 0; i < 3; i++)
                    for (int j = 0; j < 3; j++)
                    {
                        double sum = 0, abs = 0;
                        for (int b = 0; b < geometry.N; b++)
                            for (int oh = 0; oh < geometry.Ho; oh++)
                                for (int ow = 0; ow < geometry.Wo; ow++)
                                {
                                    int ih = oh + i - geometry.PadH, iw = ow + j - geometry.PadW;
                                    if (ih < 0 || ih >= geometry.H || iw < 0 || iw >= geometry.W) continue;
                                    double term = gy[((b * geometry.Cout + co) * geometry.Ho + oh) * geometry.Wo + ow] * x[((b * geometry.Cin + ci) * geometry.H + ih) * geometry.W + iw];
                                    sum += term;
                                    abs += Math.Abs(term);
                                }
                        int index = ((co * geometry.Cin + ci) * 3 + i) * 3 + j;
                        double actual = double.CreateChecked(gw[index]);
                        if (!(Math.Abs(actual - sum) <= bound[index] + reference * abs))
                            throw new Xunit.Sdk.XunitException(
                                $"gw[{co}, {ci}, {i}, {j}]: got {actual:R}, expected {sum:R}, componentwise bound {bound[index]:R}");
                    }
    }

    // Inputs rounded to float so both element types convolve the same numbers.
    private static double[] Random(int seed, int length)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (double)(float)(2 * random.NextDouble() - 1)).ToArray();
    }

    private static T[] Cast<T>(double[] values) where T : unmanaged, IFloatingPointIeee754<T> =>
        values.Select(T.CreateChecked).ToArray();
}

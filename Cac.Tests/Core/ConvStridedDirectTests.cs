using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Core;

/// <summary>
/// The CPU forward of strided convolutions on the direct kernel (the stride-phase-split padded image) against a naive
/// sum: output widths not a multiple of the vector width, odd channel counts, strides 2 and 3, different vertical and
/// horizontal strides, dilation, groups, one sample (tiles split over the cores), and the fused epilogue
/// (scale, shift, residual, ReLU).
/// </summary>
public class ConvStridedDirectTests
{
    // (N, Cin, H, W, Cout, KH, KW, strideH, strideW, padding, dilation, groups)
    public static IEnumerable<object[]> Cases() => new List<object[]>
    {
        new object[] { 2, 5, 9, 9, 7, 3, 3, 2, 2, 1, 1, 1 },       // Wo 5
        new object[] { 3, 13, 17, 35, 18, 3, 3, 2, 2, 1, 1, 1 },   // Wo 18, Cout 18
        new object[] { 2, 16, 33, 33, 16, 3, 3, 2, 2, 1, 1, 1 },   // Wo 17
        new object[] { 1, 16, 32, 32, 32, 3, 3, 2, 2, 1, 1, 1 },   // ResNet downsampling, one sample
        new object[] { 2, 6, 11, 13, 6, 3, 3, 3, 3, 2, 2, 3 },     // stride 3, dilation 2, groups 3
        new object[] { 2, 4, 9, 17, 5, 3, 5, 1, 2, 1, 1, 1 },      // strides (1, 2), 3 x 5 window
        new object[] { 2, 4, 10, 9, 5, 5, 3, 2, 1, 2, 1, 1 },      // strides (2, 1), 5 x 3 window
        new object[] { 2, 1, 5, 5, 1, 3, 3, 2, 2, 0, 1, 1 },       // one channel, Wo 2
        new object[] { 2, 3, 3, 3, 4, 3, 3, 2, 2, 0, 1, 1 },       // Wo 1
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_matches_a_naive_convolution(int n, int cin, int h, int w, int cout, int kh, int kw, int sh, int sw,
        int padding, int dilation, int groups)
    {
        var geometry = new ConvGeometry(n, cin, h, w, cout, kh, kw, sh, sw, padding, padding, dilation, dilation, groups);
        var x = RandF(1, n, cin, h, w);
        var weight = RandF(2, cout, cin / groups, kh, kw);
        var bias = RandF(3, cout);
        var y = Tensor.Zeros([n, cout, geometry.Ho, geometry.Wo]);
        Device.Cpu.Backend.Conv2dForward(x.Storage, weight.Storage, bias.Storage, y.Storage, geometry);
        var (expected, scale) = ConvReferenceResults.Forward(x.ToDoubleArray(), weight.ToDoubleArray(), bias.ToDoubleArray(), geometry);
        Compare(y.ToDoubleArray(), expected, scale, geometry, residual: null, channelScale: null, channelShift: null, relu: false);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fused_epilogue_matches_a_naive_convolution(int n, int cin, int h, int w, int cout, int kh, int kw, int sh, int sw,
        int padding, int dilation, int groups)
    {
        var geometry = new ConvGeometry(n, cin, h, w, cout, kh, kw, sh, sw, padding, padding, dilation, dilation, groups);
        var x = RandF(4, n, cin, h, w);
        var weight = RandF(5, cout, cin / groups, kh, kw);
        var scale = RandF(6, cout);
        var shift = RandF(7, cout);
        var residual = RandF(8, n, cout, geometry.Ho, geometry.Wo);
        var y = Tensor.Zeros([n, cout, geometry.Ho, geometry.Wo]);
        ((CpuBackend)Device.Cpu.Backend).Conv2dForwardFused(x.Storage, weight.Storage, null, scale.Storage, shift.Storage, residual.Storage,
            true, y.Storage, geometry);
        var (expected, magnitude) = ConvReferenceResults.Forward(x.ToDoubleArray(), weight.ToDoubleArray(), null, geometry);
        Compare(y.ToDoubleArray(), expected, magnitude, geometry, residual.ToDoubleArray(), scale.ToDoubleArray(), shift.ToDoubleArray(), relu: true);
    }

    // actual vs act(expected * scale + shift + residual), within float32 rounding of the sums' magnitudes.
    private static void Compare(double[] actual, double[] expected, double[] magnitude, ConvGeometry geometry, double[]? residual,
        double[]? channelScale, double[]? channelShift, bool relu)
    {
        actual.Length.Should().Be(expected.Length);
        int plane = geometry.Ho * geometry.Wo, terms = geometry.PatchSize;
        for (int i = 0; i < actual.Length; i++)
        {
            int co = i / plane % geometry.Cout;
            double a = channelScale is null ? 1 : channelScale[co];
            double v = expected[i] * a + (channelShift is null ? 0 : channelShift[co]) + (residual is null ? 0 : residual[i]);
            if (relu) v = Math.Max(v, 0);
            double tol = 4 * (terms + 4) * Math.Pow(2, -24) * (magnitude[i] * Math.Abs(a) + 4);
            if (Math.Abs(actual[i] - v) > tol)
                throw new Xunit.Sdk.XunitException($"element {i} of {geometry}: got {actual[i]:R}, expected {v:R}");
        }
    }
}

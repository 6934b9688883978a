using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Core;

/// <summary>
/// The CPU weight gradient of stride-1 convolutions (the padded-image path with in-place A rows) against a naive
/// sum, on shapes with ragged register tiles: patch sizes not a multiple of 6, output channels not a multiple of the
/// vector width, groups, dilation, several samples per worker.
/// </summary>
public class ConvWeightGradTests
{
    // (N, Cin, H, W, Cout, K, padding, dilation, groups)
    [Theory]
    [InlineData(3, 1, 6, 5, 3, 3, 1, 1, 1)]    // patch 9, Cout 3
    [InlineData(4, 3, 8, 8, 20, 3, 1, 1, 1)]   // patch 27, Cout 20 (one full strip and a partial one)
    [InlineData(5, 4, 7, 6, 6, 3, 2, 2, 2)]    // groups 2, dilation 2, patch 18
    [InlineData(2, 5, 9, 9, 17, 5, 2, 1, 1)]   // 5 x 5, patch 125, Ho * Wp above one KC slice
    [InlineData(3, 16, 12, 12, 16, 3, 1, 1, 1)] // ResNet-like, exact tiles
    public void Matches_a_naive_sum(int n, int cin, int h, int w, int cout, int k, int padding, int dilation, int groups)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var g = new ConvGeometry(n, cin, h, w, cout, k, k, 1, 1, padding, padding, dilation, dilation, groups);
            var x = RandF(1, n, cin, h, w).To(dtype);
            var gy = RandF(2, n, cout, g.Ho, g.Wo).To(dtype);
            var gw = Tensor.Zeros([cout, cin / groups, k, k], dtype);
            Device.Cpu.Backend.Conv2dBackwardWeight(x.Storage, gy.Storage, gw.Storage, g);
            var expected = Naive(x.ToDoubleArray(), gy.ToDoubleArray(), g);
            var actual = gw.ToDoubleArray();
            double tolerance = dtype == DType.Float32 ? 1e-3 : 1e-10;
            for (int i = 0; i < expected.Length; i++)
                actual[i].Should().BeApproximately(expected[i], tolerance * (1 + Math.Abs(expected[i])), $"element {i} ({dtype})");
        }
    }

    // gw[co, ci, kh, kw] = sum over n, oh, ow of gy[n, co, oh, ow] * x[n, g * cinG + ci, oh - p + kh d, ow - p + kw d].
    private static double[] Naive(double[] x, double[] gy, ConvGeometry g)
    {
        int coutG = g.CoutPerGroup, cinG = g.CinPerGroup;
        var gw = new double[g.Cout * cinG * g.KH * g.KW];
        for (int co = 0; co < g.Cout; co++)
            for (int ci = 0; ci < cinG; ci++)
                for (int kh = 0; kh < g.KH; kh++)
                    for (int kw = 0; kw < g.KW; kw++)
                    {
                        int c = co / coutG * cinG + ci;
                        double sum = 0;
                        for (int n = 0; n < g.N; n++)
                            for (int oh = 0; oh < g.Ho; oh++)
                                for (int ow = 0; ow < g.Wo; ow++)
                                {
                                    int ih = oh - g.PadH + kh * g.DilationH, iw = ow - g.PadW + kw * g.DilationW;
                                    if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                                    sum += gy[((n * g.Cout + co) * g.Ho + oh) * g.Wo + ow] * x[((n * g.Cin + c) * g.H + ih) * g.W + iw];
                                }
                        gw[((co * cinG + ci) * g.KH + kh) * g.KW + kw] = sum;
                    }
        return gw;
    }
}

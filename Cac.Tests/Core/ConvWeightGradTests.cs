using Cac.Cpu.Kernels;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Core;

/// <summary>
/// The CPU weight gradient (the padded-image path with in-place A rows, any stride) against a naive sum, on shapes with
/// ragged register tiles: patch sizes not a multiple of 6, output channels not a multiple of the vector width, output
/// widths not a multiple of it, groups, dilation, strides, several samples per worker and a single sample.
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
            Check(new ConvGeometry(n, cin, h, w, cout, k, k, 1, 1, padding, padding, dilation, dilation, groups), dtype);
    }

    // (N, Cin, H, W, Cout, K, stride, padding, dilation, groups)
    [Theory]
    [InlineData(2, 5, 3, 3, 7, 3, 1, 0, 1, 1)]      // Wo 1, Cin 5, Cout 7
    [InlineData(3, 7, 5, 6, 13, 3, 2, 1, 1, 1)]     // stride 2, Wo 3, Cout 13
    [InlineData(2, 13, 5, 5, 5, 3, 1, 1, 1, 1)]     // Wo 5, Cin 13
    [InlineData(2, 18, 9, 9, 18, 3, 1, 2, 2, 1)]    // Wo 9, dilation 2, 18 channels (a full strip and a partial one)
    [InlineData(2, 16, 17, 17, 16, 3, 1, 1, 1, 1)]  // Wo 17
    [InlineData(3, 8, 17, 33, 18, 3, 2, 1, 1, 2)]   // stride 2, Wo 17, groups 2 (Cout/G 9)
    [InlineData(5, 1, 4, 4, 1, 3, 1, 1, 1, 1)]      // one channel in and out, odd batch
    [InlineData(3, 5, 9, 9, 7, 1, 2, 0, 1, 1)]      // 1 x 1 stride 2 (a projection shortcut)
    [InlineData(2, 6, 7, 7, 6, 3, 2, 1, 1, 6)]      // depthwise, stride 2
    [InlineData(1, 16, 10, 10, 16, 3, 1, 1, 1, 1)]  // one sample: the patch tiles split over the cores
    public void Matches_a_naive_sum_at_any_stride(int n, int cin, int h, int w, int cout, int k, int stride, int padding, int dilation,
        int groups)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            Check(new ConvGeometry(n, cin, h, w, cout, k, k, stride, stride, padding, padding, dilation, dilation, groups), dtype);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    public void Repeated_calls_give_identical_bits(int n)
    {
        var geometry = new ConvGeometry(n, 16, 12, 12, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        var x = RandF(3, n, 16, 12, 12);
        var gy = RandF(4, n, 16, geometry.Ho, geometry.Wo);
        float[] Run()
        {
            var gw = Tensor.Zeros([16, 16, 3, 3]);
            Device.Cpu.Backend.Conv2dBackwardWeight(x.Storage, gy.Storage, gw.Storage, geometry);
            return gw.ToFloatArray();
        }
        var first = Run();
        for (int i = 0; i < 5; i++) Run().Should().Equal(first);
    }

    // Per weight, |gw - naive| <= gamma_n * sum |gy x| + 4 (n + 3) 2^-53 * sum |gy x|, n = N Ho Wo (2 to 867 here): gw is
    // a sum of n products of dtype values (x and gy are float32 draws, exact in both dtypes), so whatever the kernel's
    // order (register tiles, KC slices, per-worker buffers added in worker order) it is within gamma_n = n u / (1 - n u)
    // of the exact sum relative to the sum of the terms' magnitudes (Rounding.Gamma), u = 2^-24 (float32) or 2^-53
    // (float64); the second term is the naive float64 sum's own error. On the stride-1 3 x 3 shapes with >= 8 channels
    // each way the backend runs the Winograd weight gradient instead (CpuConv.BackwardWeight), so there the padded-image
    // kernel this class is about is also called directly and held to the same bound, and the backend's Winograd result
    // to the convolution tests' bound for dense random inputs, 4 (n + 3) u sum |gy x| (ConvTests; Winograd's rigorous
    // componentwise bound, WinogradErrorBound, is checked in ConvWinogradTests and is far looser).
    private static void Check(ConvGeometry geometry, DType dtype)
    {
        var x = RandF(1, geometry.N, geometry.Cin, geometry.H, geometry.W).To(dtype);
        var gy = RandF(2, geometry.N, geometry.Cout, geometry.Ho, geometry.Wo).To(dtype);
        var gw = Tensor.Zeros([geometry.Cout, geometry.CinPerGroup, geometry.KH, geometry.KW], dtype);
        Device.Cpu.Backend.Conv2dBackwardWeight(x.Storage, gy.Storage, gw.Storage, geometry);
        var (expected, magnitude) = ConvReferenceResults.BackwardWeight(x.ToDoubleArray(), gy.ToDoubleArray(), geometry);
        int terms = geometry.N * geometry.Ho * geometry.Wo;
        double direct = Rounding.Gamma(terms, dtype), reference = 4 * (terms + 3) * Math.Pow(2, -53);
        if (CpuBackend.Kernels == CpuKernelChoice.Fast && ConvWinograd<float>.AppliesToWeightGradient(geometry))
        {
            Compare(gw.ToDoubleArray(), expected, magnitude, 4 * (terms + 3) * Rounding.Unit(dtype) + reference, $"{dtype}, {geometry}, Winograd");
            var padded = Tensor.Zeros([geometry.Cout, geometry.CinPerGroup, geometry.KH, geometry.KW], dtype);
            if (dtype == DType.Float64)
                ConvWeightGrad<double>.Compute(x.ToDoubleArray(), gy.ToDoubleArray(), CpuBackend.Data<double>(padded.Storage), geometry);
            else
                ConvWeightGrad<float>.Compute(x.ToFloatArray(), gy.ToFloatArray(), CpuBackend.Data<float>(padded.Storage), geometry);
            gw = padded;
        }
        Compare(gw.ToDoubleArray(), expected, magnitude, direct + reference, $"{dtype}, {geometry}");
    }

    private static void Compare(double[] actual, double[] expected, double[] magnitude, double relative, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double bound = relative * magnitude[i];
            if (!(Math.Abs(actual[i] - expected[i]) <= bound))
                throw new Xunit.Sdk.XunitException(
                    $"element {i} ({what}): got {actual[i]:R}, expected {expected[i]:R}, |error| {Math.Abs(actual[i] - expected[i]):g3} > bound {bound:g3} (sum |gy x| {magnitude[i]:g3})");
        }
    }
}

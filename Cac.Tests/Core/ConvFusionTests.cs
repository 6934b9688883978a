using Cac.Testing;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Core;

/// <summary>
/// The direct stride-1 conv kernel (ConvDirect) and the fused conv + affine [+ residual] [+ ReLU] op against a naive
/// double-precision convolution on awkward shapes (partial vector slots, odd slot counts, channel counts that fill
/// no register tile, groups, dilation, single samples), plus a gradient check of the composed (differentiable) path.
/// </summary>
public class ConvFusionTests
{
    // (N, Cin, H, W, Cout, K, padding, dilation, groups)
    public static TheoryData<int, int, int, int, int, int, int, int, int> DirectCases() => new()
    {
        { 2, 3, 5, 5, 4, 3, 1, 1, 1 },     // Wo 5: one partial slot per row
        { 1, 2, 7, 9, 5, 3, 1, 1, 1 },     // single sample (tiles split over cores), Cout 5
        { 3, 4, 8, 8, 7, 3, 1, 1, 1 },     // Wo 8: full slots, Cout 7 (a partial 6-row tile)
        { 2, 5, 9, 17, 13, 3, 1, 1, 1 },   // Wo 17: two full slots and a 1-lane one
        { 2, 4, 6, 6, 12, 3, 1, 1, 2 },    // groups 2, Cout/G 6
        { 2, 3, 9, 11, 6, 3, 2, 2, 1 },    // dilation 2, padding 2
        { 2, 2, 4, 3, 3, 3, 1, 1, 1 },     // Wo 3 < a vector, odd slot count
        { 2, 16, 10, 10, 16, 3, 1, 1, 1 }, // ResNet-like: 16 channels (4-row tiles)
        { 2, 3, 6, 6, 18, 5, 2, 1, 1 },    // 5x5, 18 channels (6-row tiles)
        { 1, 1, 1, 1, 1, 1, 0, 1, 1 },     // everything 1 (pointwise path)
    };

    [Theory]
    [MemberData(nameof(DirectCases))]
    public void Conv2d_forward_matches_a_naive_convolution_in_float_and_double(int n, int cin, int h, int w, int cout, int k,
        int padding, int dilation, int groups)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = RandF(1, n, cin, h, w).To(dtype);
            var weight = RandF(2, cout, cin / groups, k, k).To(dtype);
            var bias = RandF(3, cout).To(dtype);
            var y = Ops.Conv2d(x, weight, bias, 1, padding, dilation, groups);
            var (expected, magnitude) = Naive(x, weight, bias, null, null, null, false, 1, padding, dilation, groups);
            AssertClose(y.ToDoubleArray(), expected, magnitude, cin / groups * k * k, dtype);
        }
    }

    // (N, Cin, H, W, Cout, K, stride, padding, groups): stride 1 takes the direct kernel, the others the GEMM paths.
    public static TheoryData<int, int, int, int, int, int, int, int, int> FusedCases() => new()
    {
        { 2, 3, 5, 5, 4, 3, 1, 1, 1 },
        { 1, 4, 9, 7, 7, 3, 1, 1, 1 },
        { 2, 4, 6, 6, 6, 3, 1, 1, 2 },
        { 3, 5, 7, 7, 8, 3, 2, 1, 1 },     // stride 2 (explicit im2col)
        { 2, 6, 6, 6, 5, 1, 1, 0, 1 },     // 1x1 (GEMM on x)
        { 2, 4, 8, 8, 8, 1, 2, 0, 1 },     // 1x1 stride 2 (a ResNet shortcut)
    };

    [Theory]
    [MemberData(nameof(FusedCases))]
    public void Conv2dAffine_fused_matches_the_naive_composition(int n, int cin, int h, int w, int cout, int k, int stride, int padding, int groups)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            foreach (bool withBias in new[] { false, true })
                foreach (bool withResidual in new[] { false, true })
                    foreach (bool relu in new[] { false, true })
                    {
                        var x = RandF(1, n, cin, h, w).To(dtype);
                        var weight = RandF(2, cout, cin / groups, k, k).To(dtype);
                        var bias = withBias ? RandF(3, cout).To(dtype) : null;
                        var scale = RandF(4, cout).To(dtype);
                        var shift = RandF(5, cout).To(dtype);
                        int ho = (h + 2 * padding - k) / stride + 1, wo = (w + 2 * padding - k) / stride + 1;
                        var residual = withResidual ? RandF(6, n, cout, ho, wo).To(dtype) : null;
                        Tensor y;
                        using (Autograd.NoGrad())
                            y = Ops.Conv2dAffine(x, weight, bias, scale, shift, residual, relu, stride, padding, 1, groups);
                        y.Shape.Should().Equal([n, cout, ho, wo]);
                        var (expected, magnitude) = Naive(x, weight, bias, scale, shift, residual, relu, stride, padding, 1, groups);
                        AssertClose(y.ToDoubleArray(), expected, magnitude, cin / groups * k * k + 3, dtype);
                    }
    }

    [Fact]
    public void Conv2dAffine_fused_equals_the_unfused_ops_exactly_where_no_rounding_differs()
    {
        // With scale 1 and shift 0 the fused epilogue only adds the residual and clamps: the result must equal
        // relu(conv(x) + residual) from the separate ops bit for bit (same sums, same single rounding of the add).
        var x = RandF(1, 2, 3, 9, 9);
        var weight = RandF(2, 5, 3, 3, 3);
        var residual = RandF(3, 2, 5, 9, 9);
        var ones = Tensor.Ones([5]);
        var zeros = Tensor.Zeros([5]);
        using var _ = Autograd.NoGrad();
        var fused = Ops.Conv2dAffine(x, weight, null, ones, zeros, residual, relu: true, stride: 1, padding: 1).ToFloatArray();
        var unfused = Ops.Relu(Ops.Add(Ops.Conv2d(x, weight, null, 1, 1), residual)).ToFloatArray();
        fused.Should().Equal(unfused);
    }

    [Fact]
    [Trait("Category", "GradCheck")]
    public void Conv2dAffine_gradients_with_a_graph()
    {
        var x = RandD(1, 2, 2, 4, 4);
        var weight = RandD(2, 3, 2, 3, 3);
        var bias = RandD(3, 3);
        var scale = RandD(4, 3);
        var shift = RandD(5, 3);
        var residual = RandD(6, 2, 3, 4, 4);
        var result = GradCheck.Check(() => Ops.Conv2dAffine(x, weight, bias, scale, shift, residual, relu: true, stride: 1, padding: 1),
            [x, weight, bias, scale, shift, residual]);
        result.Passed.Should().BeTrue(result.Report);
    }

    [Fact]
    public void Conv2dAffine_rejects_bad_scale_and_residual_shapes()
    {
        var x = RandF(1, 1, 2, 5, 5);
        var weight = RandF(2, 3, 2, 3, 3);
        var good = Tensor.Ones([3]);
        var act = () => Ops.Conv2dAffine(x, weight, null, Tensor.Ones([4]), good, null, false, 1, 1);
        act.Should().Throw<ArgumentException>().WithMessage("*conv2d_affine: scale must have shape (3)*");
        act = () => Ops.Conv2dAffine(x, weight, null, good, good, Tensor.Zeros([1, 3, 4, 4]), false, 1, 1);
        act.Should().Throw<ArgumentException>().WithMessage("*residual must have the output's shape*");
    }

    // |actual - expected| within a rounding bound: terms accumulated in the working precision, relative to the sum of |terms|.
    private static void AssertClose(double[] actual, double[] expected, double[] magnitude, int terms, DType dtype)
    {
        actual.Length.Should().Be(expected.Length);
        double unit = dtype == DType.Float32 ? Math.Pow(2, -24) : Math.Pow(2, -53);
        for (int i = 0; i < actual.Length; i++)
        {
            double tol = 4 * (terms + 4) * unit * magnitude[i];
            if (!(Math.Abs(actual[i] - expected[i]) <= tol))
                throw new Xunit.Sdk.XunitException($"{dtype.Name()} element {i}: got {actual[i]:R}, expected {expected[i]:R} (tolerance {tol:E2})");
        }
    }

    // act((conv(x, w) + bias) * scale + shift + residual) in double (ConvReference, then the epilogue); also the sum of the
    // absolute values of all terms (the scale of the rounding error).
    private static (double[] Y, double[] Magnitude) Naive(Tensor xt, Tensor wt, Tensor? bt, Tensor? st, Tensor? sht, Tensor? rt, bool relu,
        int stride, int padding, int dilation, int groups)
    {
        var geometry = ConvReferenceResults.Geometry(xt.Shape, wt.Shape, stride, padding, dilation, groups);
        var (conv, abs) = ConvReferenceResults.Forward(xt.ToDoubleArray(), wt.ToDoubleArray(), bt?.ToDoubleArray(), geometry);
        var sc = st?.ToDoubleArray();
        var sh = sht?.ToDoubleArray();
        var r = rt?.ToDoubleArray();
        var y = new double[conv.Length];
        var mag = new double[y.Length];
        for (int i = 0; i < y.Length; i++)
        {
            int co = i / (geometry.Ho * geometry.Wo) % geometry.Cout;
            double a = sc?[co] ?? 1, c = sh?[co] ?? 0;
            double v = conv[i] * a + c + (r?[i] ?? 0);
            y[i] = relu ? Math.Max(v, 0) : v;
            mag[i] = abs[i] * Math.Abs(a) + Math.Abs(c) + Math.Abs(r?[i] ?? 0) + Math.Abs(conv[i] * a);
        }
        return (y, mag);
    }
}

using Cac.Testing;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Core;

/// <summary>Conv2d: the CPU kernels against a naive direct convolution, gradient checks, and validation.</summary>
public class ConvTests
{
    // (N, Cin, H, W, Cout, KH, KW, stride, padding, dilation, groups, bias)
    public static IEnumerable<object[]> ForwardCases() => new object[][]
    {
        [2, 3, 5, 5, 4, 3, 3, 1, 1, 1, 1, true],  // plain 3x3, pad 1
        [1, 2, 7, 7, 3, 3, 3, 2, 0, 1, 1, false],  // stride 2, single sample
        [3, 2, 7, 5, 2, 3, 3, 1, 2, 2, 1, true],  // dilation 2, non-square input, odd batch
        [2, 4, 5, 7, 6, 3, 3, 1, 1, 1, 2, true],  // groups 2
        [2, 4, 7, 7, 4, 3, 3, 1, 1, 1, 4, false],  // depthwise
        [2, 3, 5, 5, 2, 1, 3, 1, 0, 1, 1, true],  // 1x3 kernel
        [2, 3, 5, 5, 2, 3, 1, 2, 1, 1, 1, true],  // 3x1 kernel, stride 2
        [2, 3, 7, 7, 2, 3, 3, 3, 1, 1, 1, true],  // stride 3
        [1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, true],  // everything 1
        [2, 5, 6, 6, 7, 1, 1, 1, 0, 1, 1, true],  // 1x1 (GEMM on x directly)
        [2, 4, 6, 6, 8, 1, 1, 2, 0, 1, 1, false],  // 1x1 stride 2 (im2col path)
        [2, 4, 5, 5, 6, 1, 1, 1, 0, 1, 2, true],  // grouped 1x1
        [2, 3, 5, 5, 4, 5, 5, 1, 2, 1, 1, true],  // 5x5
        [2, 2, 5, 5, 3, 3, 3, 2, 2, 2, 1, true],  // stride 2 + dilation 2 + padding 2
        [5, 16, 17, 17, 16, 3, 3, 1, 1, 1, 1, true],  // K = 144, several GEMM tiles, uneven batch split
        [3, 8, 9, 9, 20, 3, 3, 2, 1, 1, 4, true],  // groups 4 with stride
        [2, 2, 3, 3, 3, 5, 5, 1, 1, 1, 1, true],  // stride 1 but mostly padding: explicit im2col
        [4, 16, 28, 28, 16, 3, 3, 1, 1, 1, 1, false],  // ResNet-20 stage 1 shape
    };

    [Theory]
    [MemberData(nameof(ForwardCases))]
    public void Forward_matches_a_naive_convolution(int n, int cin, int h, int w, int cout, int kh, int kw,
        int stride, int padding, int dilation, int groups, bool withBias)
    {
        var x = RandF(1, n, cin, h, w);
        var weight = RandF(2, cout, cin / groups, kh, kw);
        var bias = withBias ? RandF(3, cout) : null;
        var y = Ops.Conv2d(x, weight, bias, stride, padding, dilation, groups);

        var (expected, scale, shape) = ConvReferenceResults.Forward(x.ToDoubleArray(), x.Shape, weight.ToDoubleArray(), weight.Shape,
            bias?.ToDoubleArray(), stride, padding, dilation, groups);
        y.Shape.Should().Equal(shape);
        var actual = y.ToDoubleArray();
        int terms = cin / groups * kh * kw;
        for (int i = 0; i < actual.Length; i++)
        {
            double tol = 4 * (terms + 3) * Math.Pow(2, -24) * scale[i];
            if (Math.Abs(actual[i] - expected[i]) > tol)
                throw new Xunit.Sdk.XunitException($"element {i} of {Shape.Format(shape)}: got {actual[i]:R}, expected {expected[i]:R}");
        }
    }

    [Theory]
    [MemberData(nameof(ForwardCases))]
    public void Float_backward_matches_double_backward(int n, int cin, int h, int w, int cout, int kh, int kw,
        int stride, int padding, int dilation, int groups, bool withBias)
    {
        // The double path is gradient-checked below; the float kernels must agree with it.
        var grads = new List<double[]>[2];
        for (int pass = 0; pass < 2; pass++)
        {
            var dtype = pass == 0 ? DType.Float32 : DType.Float64;
            var x = RandF(1, n, cin, h, w).To(dtype);
            var weight = RandF(2, cout, cin / groups, kh, kw).To(dtype);
            var bias = withBias ? RandF(3, cout).To(dtype) : null;
            x.RequiresGrad = weight.RequiresGrad = true;
            if (bias is not null) bias.RequiresGrad = true;
            var y = Ops.Conv2d(x, weight, bias, stride, padding, dilation, groups);
            y.Backward(RandF(4, y.Shape).To(dtype));
            grads[pass] = [x.Grad!.ToDoubleArray(), weight.Grad!.ToDoubleArray()];
            if (bias is not null) grads[pass].Add(bias.Grad!.ToDoubleArray());
        }
        for (int t = 0; t < grads[0].Count; t++)
        {
            double max = grads[1][t].Max(Math.Abs);
            for (int i = 0; i < grads[0][t].Length; i++)
                Math.Abs(grads[0][t][i] - grads[1][t][i]).Should().BeLessThan(1e-4 * (max + 1), $"gradient {t} element {i}");
        }
    }

    [Theory]
    [MemberData(nameof(ForwardCases))]
    public void Input_gradient_matches_a_naive_sum(int n, int cin, int h, int w, int cout, int kh, int kw,
        int stride, int padding, int dilation, int groups, bool withBias)
    {
        // Float_backward_matches_double_backward compares one generic kernel with itself in two precisions (col2im after a
        // GEMM for strided or grouped convolutions, the flipped-weight convolution at stride 1); this checks both against
        // the definition, within the forward test's bound: 4 (terms + 3) u times sum |gy w|, terms = Cout/G KH KW.
        _ = withBias;
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = RandF(1, n, cin, h, w).To(dtype);
            var weight = RandF(2, cout, cin / groups, kh, kw).To(dtype);
            x.RequiresGrad = true;
            var y = Ops.Conv2d(x, weight, null, stride, padding, dilation, groups);
            var gy = RandF(4, y.Shape).To(dtype);
            y.Backward(gy);
            var (expected, scale) = ConvReferenceResults.BackwardInput(gy.ToDoubleArray(), weight.ToDoubleArray(),
                ConvReferenceResults.Geometry(x.Shape, weight.Shape, stride, padding, dilation, groups));
            var actual = x.Grad!.ToDoubleArray();
            int terms = cout / groups * kh * kw;
            double relative = 4 * (terms + 3) * Rounding.Unit(dtype) + 4 * (terms + 3) * Math.Pow(2, -53);
            for (int i = 0; i < actual.Length; i++)
                if (!(Math.Abs(actual[i] - expected[i]) <= relative * scale[i]))
                    throw new Xunit.Sdk.XunitException(
                        $"{dtype} dL/dx element {i} of {Shape.Format(x.Shape)}: got {actual[i]:R}, expected {expected[i]:R}, bound {relative * scale[i]:g3}");
        }
    }

    public static TheoryData<string, int[], int[], int, int, int, int> GradCases() => new()
    {
        // name, x shape, weight shape, stride, padding, dilation, groups
        { "3x3 pad 1", [2, 3, 5, 5], [4, 3, 3, 3], 1, 1, 1, 1 },
        { "stride 2", [2, 2, 5, 5], [3, 2, 3, 3], 2, 1, 1, 1 },
        { "dilation 2", [2, 2, 5, 5], [2, 2, 3, 3], 1, 2, 2, 1 },
        { "groups 2", [2, 4, 5, 5], [4, 2, 3, 3], 1, 1, 1, 2 },
        { "depthwise", [2, 3, 5, 5], [3, 1, 3, 3], 1, 1, 1, 3 },
        { "1x1", [2, 3, 5, 5], [4, 3, 1, 1], 1, 0, 1, 1 },
        { "5x5", [2, 2, 5, 5], [2, 2, 5, 5], 1, 2, 1, 1 },
        { "1x3 single sample", [1, 2, 4, 5], [3, 2, 1, 3], 1, 1, 1, 1 },
        { "odd batch stride 2 no pad", [3, 2, 5, 5], [2, 2, 3, 3], 2, 0, 1, 1 },
        { "5x5 on 3x3 pad 1", [2, 2, 3, 3], [3, 2, 5, 5], 1, 1, 1, 1 },
    };

    [Theory]
    [Trait("Category", "GradCheck")]
    [MemberData(nameof(GradCases))]
    public void Gradients_wrt_input_weight_and_bias(string name, int[] xShape, int[] wShape, int stride, int padding, int dilation, int groups)
    {
        var x = RandD(10, xShape);
        var weight = RandD(11, wShape);
        var bias = RandD(12, wShape[0]);
        var result = GradCheck.Check(() => Ops.Conv2d(x, weight, bias, stride, padding, dilation, groups), [x, weight, bias]);
        result.Passed.Should().BeTrue($"{name}: {result.Report}");
    }

    [Fact]
    [Trait("Category", "GradCheck")]
    public void Gradient_wrt_weight_only_when_input_is_constant()
    {
        var x = RandD(13, 2, 2, 5, 5);
        x.RequiresGrad = false;
        var weight = RandD(14, 3, 2, 3, 3);
        var result = GradCheck.Check(() => Ops.Conv2d(x, weight, null, 1, 1), [x, weight]);
        result.Passed.Should().BeTrue(result.Report);
        x.Grad.Should().BeNull();
    }

    [Fact]
    public void Mismatched_channels_name_both_shapes()
    {
        var x = Tensor.Zeros([2, 3, 5, 5]);
        var weight = Tensor.Zeros([4, 2, 3, 3]);
        var act = () => Ops.Conv2d(x, weight);
        act.Should().Throw<ArgumentException>().Where(e =>
            e.Message.Contains("conv2d") && e.Message.Contains("(2, 3, 5, 5)") && e.Message.Contains("(4, 2, 3, 3)"));
    }

    [Theory]
    [InlineData(new[] { 2, 4, 5, 5 }, new[] { 3, 2, 3, 3 }, 2, 0, "output channels 3 are not divisible by groups 2")]
    [InlineData(new[] { 2, 3, 5, 5 }, new[] { 4, 1, 3, 3 }, 2, 0, "input channels 3 are not divisible by groups 2")]
    [InlineData(new[] { 2, 3, 5 }, new[] { 4, 3, 3, 3 }, 1, 0, "4-D input")]
    [InlineData(new[] { 2, 3, 5, 5 }, new[] { 4, 3, 3 }, 1, 0, "4-D weight")]
    [InlineData(new[] { 2, 3, 2, 2 }, new[] { 4, 3, 3, 3 }, 1, 0, "larger than the padded input")]
    public void Invalid_shapes_are_rejected(int[] xShape, int[] wShape, int groups, int padding, string fragment)
    {
        var act = () => Ops.Conv2d(Tensor.Zeros(xShape), Tensor.Zeros(wShape), null, 1, padding, 1, groups);
        act.Should().Throw<ArgumentException>().Where(e => e.Message.Contains(fragment) && e.Message.Contains(Shape.Format(wShape)));
    }

    [Fact]
    public void Bias_of_the_wrong_length_is_rejected()
    {
        var act = () => Ops.Conv2d(Tensor.Zeros([1, 2, 4, 4]), Tensor.Zeros([3, 2, 3, 3]), Tensor.Zeros([2]));
        act.Should().Throw<ArgumentException>().Where(e => e.Message.Contains("bias (2)") && e.Message.Contains("(3, 2, 3, 3)"));
    }
}

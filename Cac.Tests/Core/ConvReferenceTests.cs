using Cac.Cpu.Kernels;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Core;

/// <summary>
/// Every CPU convolution path, forward, input gradient and weight gradient, against <see cref="ConvReference"/> in float64,
/// under each <see cref="CpuKernelChoice"/>; with Reference the backend must return the reference's own bits. The bound is
/// the convolution tests' bound for the fast kernels (ConvTests, ConvWinogradTests.Check: 4 (n + 3) u sum |terms| on
/// dense random inputs, Winograd and direct kernels alike) plus the same for the reference's own sequential sum.
/// </summary>
[Collection(nameof(CpuKernelsCollection))]
public class ConvReferenceTests
{
    // name, N, Cin, H, W, Cout, K, stride, padding, dilation, groups
    public static TheoryData<string, int[], CpuKernelChoice> Cases()
    {
        var cases = new (string Name, int[] Dims)[]
        {
            ("winograd 3x3 s1 8->12", [2, 8, 9, 10, 12, 3, 1, 1, 1, 1]),
            ("winograd unpadded", [2, 8, 9, 7, 8, 3, 1, 0, 1, 1]),
            ("direct 3x3 s1 few channels", [2, 3, 7, 6, 4, 3, 1, 1, 1, 1]),
            ("direct strided", [2, 4, 9, 8, 5, 3, 2, 1, 1, 1]),
            ("pointwise 1x1", [2, 5, 6, 6, 7, 1, 1, 0, 1, 1]),
            ("unfold 1x1 stride 2", [2, 4, 7, 6, 3, 1, 2, 0, 1, 1]),
            ("unfold padded wider than output", [2, 2, 3, 3, 3, 5, 1, 2, 1, 1]),
            ("dilated", [2, 3, 9, 8, 4, 3, 1, 2, 2, 1]),
            ("grouped", [2, 6, 7, 7, 4, 3, 1, 1, 1, 2]),
            ("depthwise strided", [3, 4, 8, 7, 4, 3, 2, 1, 1, 4]),
            ("5x5 stride 2 padding 2", [2, 3, 9, 9, 4, 5, 2, 2, 1, 1]),
        };
        var data = new TheoryData<string, int[], CpuKernelChoice>();
        foreach (var (name, dims) in cases)
            foreach (var choice in new[] { CpuKernelChoice.Reference, CpuKernelChoice.Gemm, CpuKernelChoice.Fast })
                data.Add(name, dims, choice);
        return data;
    }

    private static ConvGeometry Geometry(int[] d) => new(d[0], d[1], d[2], d[3], d[4], d[5], d[5], d[6], d[6], d[7], d[7], d[8], d[8], d[9]);

    [Fact]
    public void The_cases_cover_the_paths_they_name()
    {
        foreach (var (name, dims, _) in Cases().Select(r => ((string)r[0], (int[])r[1], r[2])).DistinctBy(r => r.Item1))
        {
            var geometry = Geometry(dims);
            bool winograd = ConvWinograd<double>.Applies(geometry), direct = ConvDirect<double>.Applies(geometry);
            bool pointwise = geometry.KH == 1 && geometry.StrideH == 1 && geometry.PadH == 0;
            if (name.StartsWith("winograd")) winograd.Should().BeTrue(name);
            else if (name.StartsWith("direct")) (direct && !winograd).Should().BeTrue(name);
            else if (name.StartsWith("pointwise")) pointwise.Should().BeTrue(name);
            else if (name.StartsWith("unfold")) (!direct && !pointwise).Should().BeTrue(name);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_and_both_gradients_match_the_reference(string name, int[] dims, CpuKernelChoice choice)
    {
        var geometry = Geometry(dims);
        var backend = Device.Cpu.Backend;
        var x = RandD(1, geometry.N, geometry.Cin, geometry.H, geometry.W).Detach();
        var w = RandD(2, geometry.Cout, geometry.CinPerGroup, geometry.KH, geometry.KW).Detach();
        var b = RandD(3, geometry.Cout).Detach();
        var gy = RandD(4, geometry.N, geometry.Cout, geometry.Ho, geometry.Wo).Detach();
        // Garbage in the outputs: every path must overwrite them.
        var y = Tensor.Full([geometry.N, geometry.Cout, geometry.Ho, geometry.Wo], 7.0, DType.Float64);
        var gx = Tensor.Full(x.Shape, 7.0, DType.Float64);
        var gw = Tensor.Full(w.Shape, 7.0, DType.Float64);
        KernelChoice.With(choice, () =>
        {
            backend.Conv2dForward(x.Storage, w.Storage, b.Storage, y.Storage, geometry);
            backend.Conv2dBackwardInput(gy.Storage, w.Storage, gx.Storage, geometry);
            backend.Conv2dBackwardWeight(x.Storage, gy.Storage, gw.Storage, geometry);
            return 0;
        });

        var (yRef, yMagnitude) = ConvReferenceResults.Forward(x.ToDoubleArray(), w.ToDoubleArray(), b.ToDoubleArray(), geometry);
        var (gxRef, gxMagnitude) = ConvReferenceResults.BackwardInput(gy.ToDoubleArray(), w.ToDoubleArray(), geometry);
        var (gwRef, gwMagnitude) = ConvReferenceResults.BackwardWeight(x.ToDoubleArray(), gy.ToDoubleArray(), geometry);
        if (choice == CpuKernelChoice.Reference)
        {
            y.ToDoubleArray().Should().Equal(yRef, $"{name}: the backend runs the reference");
            gx.ToDoubleArray().Should().Equal(gxRef, name);
            gw.ToDoubleArray().Should().Equal(gwRef, name);
            return;
        }
        Compare(y.ToDoubleArray(), yRef, yMagnitude, geometry.PatchSize + 1, $"{name} {choice} y");
        Compare(gx.ToDoubleArray(), gxRef, gxMagnitude, geometry.CoutPerGroup * geometry.KH * geometry.KW, $"{name} {choice} gx");
        Compare(gw.ToDoubleArray(), gwRef, gwMagnitude, geometry.N * geometry.Ho * geometry.Wo, $"{name} {choice} gw");
    }

    [Theory]
    [MemberData(nameof(KernelChoice.All), MemberType = typeof(KernelChoice))]
    public void The_fused_affine_epilogue_matches_the_reference(CpuKernelChoice choice)
    {
        // y = relu((conv + bias) * scale + shift + residual); the backend folds the bias into the shift, so even Reference
        // rounds differently from ConvReference.ForwardAffine: one more product and sum per element (n + 2 terms).
        var geometry = new ConvGeometry(2, 8, 9, 10, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        var backend = Device.Cpu.Backend;
        var x = RandD(5, 2, 8, 9, 10).Detach();
        var w = RandD(6, 8, 8, 3, 3).Detach();
        var b = RandD(7, 8).Detach();
        var scale = RandD(8, 8).Detach();
        var shift = RandD(9, 8).Detach();
        var residual = RandD(10, 2, 8, 9, 10).Detach();
        var y = Tensor.Full(residual.Shape, 7.0, DType.Float64);
        KernelChoice.With(choice, () =>
        {
            ((CpuBackend)backend).Conv2dForwardFused(x.Storage, w.Storage, b.Storage, scale.Storage, shift.Storage, residual.Storage, true, y.Storage, geometry);
            return 0;
        });
        var expected = new double[y.Numel];
        ConvReference.ForwardAffine(x.ToDoubleArray(), w.ToDoubleArray(), b.ToDoubleArray(), scale.ToDoubleArray(), shift.ToDoubleArray(),
            residual.ToDoubleArray(), true, expected, geometry);
        // Magnitude of the pre-activation: (|conv| terms + |b|) |scale| + |shift| + |residual|.
        var (_, convMagnitude) = ConvReferenceResults.Forward(x.ToDoubleArray(), w.ToDoubleArray(), b.ToDoubleArray(), geometry);
        var s = scale.ToDoubleArray();
        var c = shift.ToDoubleArray();
        var r = residual.ToDoubleArray();
        var magnitude = new double[expected.Length];
        for (int i = 0; i < magnitude.Length; i++)
        {
            int co = i / (geometry.Ho * geometry.Wo) % geometry.Cout;
            magnitude[i] = convMagnitude[i] * Math.Abs(s[co]) + Math.Abs(c[co]) + Math.Abs(r[i]);
        }
        expected.Should().Contain(v => v == 0, "the ReLU clips some outputs").And.Contain(v => v > 0);
        Compare(y.ToDoubleArray(), expected, magnitude, geometry.PatchSize + 3, $"fused {choice}");
    }

    [Fact]
    public void The_reference_gradients_are_the_adjoints_of_its_forward()
    {
        // <conv(x, w), gy> = <x, dL/dx> = <w, dL/dw> for L = <y, gy>: the gradients follow from the forward alone. Each side
        // is a float64 sum of the same N Cout Ho Wo Cin/G K^2 products, in different orders: 2 n u sum |products| apart at most.
        foreach (var dims in Cases().Select(r => (int[])r[1]).Distinct())
        {
            var geometry = Geometry(dims);
            var x = RandD(11, geometry.N, geometry.Cin, geometry.H, geometry.W).ToDoubleArray();
            var w = RandD(12, geometry.Cout, geometry.CinPerGroup, geometry.KH, geometry.KW).ToDoubleArray();
            var gy = RandD(13, geometry.N, geometry.Cout, geometry.Ho, geometry.Wo).ToDoubleArray();
            var (y, yMagnitude) = ConvReferenceResults.Forward(x, w, null, geometry);
            var (gx, _) = ConvReferenceResults.BackwardInput(gy, w, geometry);
            var (gw, _) = ConvReferenceResults.BackwardWeight(x, gy, geometry);
            double viaY = Dot(y, gy), viaX = Dot(x, gx), viaW = Dot(w, gw);
            double products = Dot(yMagnitude, Array.ConvertAll(gy, Math.Abs));
            double bound = 2 * (geometry.N * geometry.Cout * geometry.Ho * geometry.Wo * geometry.PatchSize) * Math.Pow(2, -53) * products;
            Math.Abs(viaX - viaY).Should().BeLessThanOrEqualTo(bound, $"{geometry}: dL/dx");
            Math.Abs(viaW - viaY).Should().BeLessThanOrEqualTo(bound, $"{geometry}: dL/dw");
            Math.Abs(viaY).Should().BeGreaterThan(1e3 * bound, "the check is not vacuous");
        }
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    // |actual - expected| <= (4 (n + 3) u + 4 (n + 3) u) magnitude, u = 2^-53: the fast kernels' bound plus the reference's.
    internal static void Compare(double[] actual, double[] expected, double[] magnitude, int terms, string what)
    {
        actual.Length.Should().Be(expected.Length, what);
        double relative = 2 * 4 * (terms + 3) * Math.Pow(2, -53);
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(actual[i] - expected[i]) <= relative * magnitude[i]))
                throw new Xunit.Sdk.XunitException(
                    $"{what} element {i}: got {actual[i]:R}, expected {expected[i]:R}, bound {relative * magnitude[i]:g3}");
    }
}

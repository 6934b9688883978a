using Cac.Cpu.Kernels;
using FluentAssertions;
using Xunit;
using La = MathNet.Numerics.LinearAlgebra;

namespace Cac.Tests.Core;

/// <summary>
/// The CPU backend's GEMM and convolution kernels against an independent double-precision oracle, MathNet.Numerics'
/// dense matrices: GEMM against the matrix product, and a convolution as the dense matrix M of its unfolding (y = M x,
/// dL/dx = M^T gy) and the matrix P of x's patches (y = P w, dL/dw = P^T gy). Every bound is a worst-case rounding
/// bound (<see cref="Rounding"/>): the kernel's plus the oracle's own. Runs in <see cref="CpuKernelsCollection"/>:
/// one case sets the process-wide <see cref="CpuBackend.Kernels"/>.
/// </summary>
[Collection(nameof(CpuKernelsCollection))]
public class MathNetOracleTests
{
    private static readonly IBackend Cpu = Device.Cpu.Backend;
    private static readonly La.MatrixBuilder<double> Build = La.Matrix<double>.Build;

    public static TheoryData<bool, bool, bool, int, int, int> GemmCases()
    {
        var data = new TheoryData<bool, bool, bool, int, int, int>();
        foreach (var isDouble in new[] { false, true })
            foreach (var transA in new[] { false, true })
                foreach (var transB in new[] { false, true })
                    foreach (var (m, n, k) in new[] { (37, 53, 29), (151, 19, 263) })
                        data.Add(transA, transB, isDouble, m, n, k);
        return data;
    }

    [Theory]
    [MemberData(nameof(GemmCases))]
    public void Gemm_matches_the_mathnet_product(bool transA, bool transB, bool isDouble, int m, int n, int k)
    {
        // alpha and beta are exact in float32, so both sides use the same scalars; the inputs are rounded to the dtype
        // first. The buffers start at offsets 3, 5 and 7 after junk that must stay untouched.
        const double alpha = -1.375, beta = 0.625;
        const int aOff = 3, bOff = 5, cOff = 7;
        var dtype = isDouble ? DType.Float64 : DType.Float32;
        var rng = new Random(m * 1000 + n + (transA ? 7 : 0) + (transB ? 13 : 0));
        var a = RandomValues(rng, aOff + m * k, dtype);
        var b = RandomValues(rng, bOff + k * n, dtype);
        var c = RandomValues(rng, cOff + m * n, dtype);

        var aStored = Build.DenseOfRowMajor(transA ? k : m, transA ? m : k, a.Skip(aOff));
        var bStored = Build.DenseOfRowMajor(transB ? n : k, transB ? k : n, b.Skip(bOff));
        var opA = transA ? aStored.Transpose() : aStored;
        var opB = transB ? bStored.Transpose() : bStored;
        var c0 = Build.DenseOfRowMajor(m, n, c.Skip(cOff));
        var expected = alpha * (opA * opB) + beta * c0;
        var scale = Math.Abs(alpha) * (opA.PointwiseAbs() * opB.PointwiseAbs()) + Math.Abs(beta) * c0.PointwiseAbs();

        var actual = RunGemm(transA, transB, m, n, k, alpha, a, aOff, b, bOff, beta, c, cOff, dtype);
        actual.Take(cOff).Should().Equal(c.Take(cOff), "the values before C's offset must stay untouched");
        // k products summed, the product with alpha, beta c and the final sum: gamma_(k+3), for the kernel in its dtype and
        // for MathNet's double product.
        double relative = Rounding.Gamma(k + 3, dtype) + Rounding.Gamma(k + 3, DType.Float64);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double got = actual[cOff + i * n + j], bound = relative * scale[i, j];
                if (!(Math.Abs(got - expected[i, j]) <= bound))
                    throw new Xunit.Sdk.XunitException(
                        $"{dtype} {m}x{n}x{k} transA {transA} transB {transB}: C[{i}, {j}] = {got:R}, MathNet {expected[i, j]:R}, bound {bound:g3}");
            }
    }

    // (N, Cin, H, W, Cout, KH, KW, strides, paddings, dilations, groups) and whether a bias is added.
    private static readonly Dictionary<string, (ConvGeometry Geometry, bool Bias)> ConvShapes = new()
    {
        ["plain 3x3, padding 1, bias"] = (new ConvGeometry(2, 3, 5, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1), true),
        ["stride 2"] = (new ConvGeometry(2, 3, 7, 7, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1), false),
        ["dilation 2, padding 1"] = (new ConvGeometry(2, 2, 7, 6, 3, 3, 3, 1, 1, 1, 1, 2, 2, 1), true),
        ["groups 2"] = (new ConvGeometry(2, 4, 6, 5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2), true),
        ["stride 2, padding 1, dilation 2, groups 2"] = (new ConvGeometry(2, 4, 9, 8, 6, 3, 3, 2, 2, 1, 1, 2, 2, 2), true),
        ["1x1"] = (new ConvGeometry(2, 5, 4, 3, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1), false),
    };

    public static TheoryData<string> ConvCases() => new(ConvShapes.Keys);

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv_matches_its_mathnet_matrices(string name)
    {
        var (geometry, bias) = ConvShapes[name];
        CheckConv(geometry, bias, winograd: false, seed: name.Length);
    }

    [Theory]
    [MemberData(nameof(KernelChoice.All), MemberType = typeof(KernelChoice))]
    public void A_winograd_shape_matches_its_mathnet_matrices_with_each_kernel_choice(CpuKernelChoice choice)
    {
        // 3 x 3, stride 1, 8 and 9 channels: the forward, the input gradient (a forward of gy with the flipped weights,
        // 9 -> 8 channels, see CpuConv<T>.BackwardInput) and the weight gradient run Winograd's kernels under Fast,
        // im2col + GEMM under Gemm and the plain loops under Reference.
        var geometry = new ConvGeometry(2, 8, 6, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        ConvWinograd<double>.Applies(geometry).Should().BeTrue();
        ConvWinograd<double>.Applies(Transposed(geometry)).Should().BeTrue();
        ConvWinograd<double>.AppliesToWeightGradient(geometry).Should().BeTrue();
        bool winograd = choice == CpuKernelChoice.Fast;
        KernelChoice.With(choice, () => { CheckConv(geometry, bias: false, winograd, seed: (int)choice + 1); return 0; });
    }

    // Runs Conv2dForward, Conv2dBackwardInput and Conv2dBackwardWeight in float64 on outputs filled with NaN (each must be
    // overwritten) and compares them with the matrices' products. Direct kernels: every result is a sum of at most `terms`
    // products (plus the bias), within gamma_(terms + 1) of its sum of magnitudes, and so is MathNet's; with Winograd the
    // kernel's part is Winograd's componentwise bound instead (WinogradErrorBound).
    private static void CheckConv(ConvGeometry geometry, bool bias, bool winograd, int seed)
    {
        var x = TestUtil.RandD(10 + seed, geometry.N, geometry.Cin, geometry.H, geometry.W).ToDoubleArray();
        var w = TestUtil.RandD(20 + seed, geometry.Cout, geometry.CinPerGroup, geometry.KH, geometry.KW).ToDoubleArray();
        var b = bias ? TestUtil.RandD(30 + seed, geometry.Cout).ToDoubleArray() : null;
        var gy = TestUtil.RandD(40 + seed, geometry.N, geometry.Cout, geometry.Ho, geometry.Wo).ToDoubleArray();
        var (m, p) = Unfold(x, w, geometry);
        var xv = La.Vector<double>.Build.DenseOfArray(x);
        var gyv = La.Vector<double>.Build.DenseOfArray(gy);
        double u = Rounding.Unit(DType.Float64);

        var y = Run(geometry.N * geometry.Cout * geometry.Ho * geometry.Wo, out_ => Cpu.Conv2dForward(Up(x), Up(w), b is null ? null : Up(b), out_, geometry));
        var expectedY = m * xv;
        var scaleY = m.PointwiseAbs() * xv.PointwiseAbs();
        if (b is not null)
            for (int r = 0; r < expectedY.Count; r++)
            {
                double bc = b[r / (geometry.Ho * geometry.Wo) % geometry.Cout];
                expectedY[r] += bc;
                scaleY[r] += Math.Abs(bc);
            }
        int forwardTerms = geometry.PatchSize + 1;
        Compare("y", y, expectedY, scaleY, forwardTerms, winograd ? WinogradErrorBound.Forward(x, w, geometry, u) : null);

        var gx = Run(x.Length, out_ => Cpu.Conv2dBackwardInput(Up(gy), Up(w), out_, geometry));
        int inputTerms = geometry.CoutPerGroup * geometry.KH * geometry.KW + 1;
        var gt = Transposed(geometry);
        Compare("dL/dx", gx, m.TransposeThisAndMultiply(gyv), m.PointwiseAbs().TransposeThisAndMultiply(gyv.PointwiseAbs()),
            inputTerms, winograd ? WinogradErrorBound.Forward(gy, Flipped(w, geometry), gt, u) : null);

        var gw = Run(w.Length, out_ => Cpu.Conv2dBackwardWeight(Up(x), Up(gy), out_, geometry));
        int weightTerms = geometry.N * geometry.Ho * geometry.Wo + 1;
        Compare("dL/dw", gw, p.TransposeThisAndMultiply(gyv), p.PointwiseAbs().TransposeThisAndMultiply(gyv.PointwiseAbs()),
            weightTerms, winograd ? WinogradErrorBound.WeightGradient(x, gy, geometry, u) : null);
    }

    // M (rows: y's elements, columns: x's) with M[y index, x index] = the weight tap joining them, and P (rows: y's elements,
    // columns: w's) with P[y index, w index] = the input value the tap reads (0 where it reads padding).
    private static (La.Matrix<double> M, La.Matrix<double> P) Unfold(double[] x, double[] w, ConvGeometry geometry)
    {
        int rows = geometry.N * geometry.Cout * geometry.Ho * geometry.Wo;
        var m = Build.Dense(rows, x.Length);
        var p = Build.Dense(rows, w.Length);
        int cinG = geometry.CinPerGroup;
        for (int n = 0; n < geometry.N; n++)
            for (int co = 0; co < geometry.Cout; co++)
                for (int oh = 0; oh < geometry.Ho; oh++)
                    for (int ow = 0; ow < geometry.Wo; ow++)
                    {
                        int row = ((n * geometry.Cout + co) * geometry.Ho + oh) * geometry.Wo + ow;
                        int group = co / geometry.CoutPerGroup;
                        for (int c = 0; c < cinG; c++)
                            for (int i = 0; i < geometry.KH; i++)
                                for (int j = 0; j < geometry.KW; j++)
                                {
                                    int ih = oh * geometry.StrideH - geometry.PadH + i * geometry.DilationH, iw = ow * geometry.StrideW - geometry.PadW + j * geometry.DilationW;
                                    if (ih < 0 || ih >= geometry.H || iw < 0 || iw >= geometry.W) continue;
                                    int xi = ((n * geometry.Cin + group * cinG + c) * geometry.H + ih) * geometry.W + iw;
                                    int wi = ((co * cinG + c) * geometry.KH + i) * geometry.KW + j;
                                    m[row, xi] += w[wi];
                                    p[row, wi] = x[xi];
                                }
                    }
        return (m, p);
    }

    private static void Compare(string what, double[] actual, La.Vector<double> expected, La.Vector<double> scale, int terms,
        double[]? winogradBound)
    {
        actual.Length.Should().Be(expected.Count);
        double oracle = Rounding.Gamma(terms, DType.Float64);
        for (int i = 0; i < actual.Length; i++)
        {
            double kernel = winogradBound is null ? oracle * scale[i] : winogradBound[i];
            double bound = kernel + oracle * scale[i];
            if (!(Math.Abs(actual[i] - expected[i]) <= bound))
                throw new Xunit.Sdk.XunitException(
                    $"{what} element {i}: got {actual[i]:R}, MathNet {expected[i]:R}, |error| {Math.Abs(actual[i] - expected[i]):g3} > bound {bound:g3}");
        }
    }

    // The stride-1 input gradient's geometry: gy (N, Cout, Ho, Wo) convolved to (N, Cin, H, W), padding d (K - 1) - p.
    private static ConvGeometry Transposed(ConvGeometry geometry) => new(geometry.N, geometry.Cout, geometry.Ho, geometry.Wo, geometry.Cin, geometry.KH, geometry.KW, 1, 1,
        geometry.DilationH * (geometry.KH - 1) - geometry.PadH, geometry.DilationW * (geometry.KW - 1) - geometry.PadW, geometry.DilationH, geometry.DilationW, 1);

    // w (Cout, Cin, KH, KW) -> (Cin, Cout, KH, KW) with both spatial axes reversed (one group).
    private static double[] Flipped(double[] w, ConvGeometry geometry)
    {
        int k = geometry.KH * geometry.KW;
        var flipped = new double[w.Length];
        for (int co = 0; co < geometry.Cout; co++)
            for (int ci = 0; ci < geometry.Cin; ci++)
                for (int t = 0; t < k; t++) flipped[(ci * geometry.Cout + co) * k + k - 1 - t] = w[(co * geometry.Cin + ci) * k + t];
        return flipped;
    }

    private static Storage Up(double[] values) => Cpu.Upload<double>(values);

    // A float64 output of `length` elements filled with NaN, written by `kernel`, downloaded.
    private static double[] Run(int length, Action<Storage> kernel)
    {
        var storage = Cpu.Allocate(DType.Float64, length);
        Cpu.Fill(storage, double.NaN);
        kernel(storage);
        var result = new double[length];
        Cpu.Download<double>(storage, result);
        return result;
    }

    // Uniform in [-1, 1), rounded to the dtype.
    private static double[] RandomValues(Random rng, int length, DType dtype)
    {
        var values = new double[length];
        for (int i = 0; i < length; i++)
        {
            double v = rng.NextDouble() * 2 - 1;
            values[i] = dtype == DType.Float32 ? (float)v : v;
        }
        return values;
    }

    // C = alpha op(A) op(B) + beta C by the backend in the dtype; the whole C buffer back as doubles.
    private static double[] RunGemm(bool transA, bool transB, int m, int n, int k, double alpha, double[] a, int aOff,
        double[] b, int bOff, double beta, double[] c, int cOff, DType dtype)
    {
        if (dtype == DType.Float64)
        {
            var cs = Cpu.Upload<double>(c);
            Cpu.Gemm(transA, transB, m, n, k, alpha, Cpu.Upload<double>(a), aOff, Cpu.Upload<double>(b), bOff, beta, cs, cOff);
            var result = new double[c.Length];
            Cpu.Download<double>(cs, result);
            return result;
        }
        static float[] F(double[] v) => v.Select(x => (float)x).ToArray();
        var cf = Cpu.Upload<float>(F(c));
        Cpu.Gemm(transA, transB, m, n, k, alpha, Cpu.Upload<float>(F(a)), aOff, Cpu.Upload<float>(F(b)), bOff, beta, cf, cOff);
        var floats = new float[c.Length];
        Cpu.Download<float>(cf, floats);
        return floats.Select(v => (double)v).ToArray();
    }
}

using Cac.Cpu.Kernels;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Core;

/// <summary>The CPU GEMM kernel against a naive triple loop in double precision.</summary>
public class GemmTests
{
    private static readonly IBackend Cpu = Device.Cpu.Backend;
    private static readonly int[] Sizes = [1, 7, 17, 129];

    public static TheoryData<bool, bool, bool> Flags()
    {
        var data = new TheoryData<bool, bool, bool>();
        foreach (var dbl in new[] { false, true })
            foreach (var ta in new[] { false, true })
                foreach (var tb in new[] { false, true })
                    data.Add(ta, tb, dbl);
        return data;
    }

    [Theory]
    [MemberData(nameof(Flags))]
    public void Matches_naive_on_awkward_shapes(bool transA, bool transB, bool isDouble)
    {
        int seed = 0;
        foreach (var m in Sizes)
            foreach (var n in Sizes)
                foreach (var k in Sizes)
                    CheckCase(transA, transB, m, n, k, alpha: 1.0, beta: 0.0, offsets: (0, 0, 0), isDouble, seed++);
    }

    [Theory]
    [MemberData(nameof(Flags))]
    public void Alpha_beta_and_offsets(bool transA, bool transB, bool isDouble)
    {
        int seed = 100;
        foreach (var m in Sizes)
            foreach (var n in Sizes)
                foreach (var k in new[] { 1, 17, 129 })
                    CheckCase(transA, transB, m, n, k, alpha: -1.75, beta: 0.5, offsets: (3, 5, 11), isDouble, seed++);
    }

    [Theory]
    [MemberData(nameof(Flags))]
    public void Sizes_that_cross_the_cache_blocks(bool transA, bool transB, bool isDouble)
    {
        // m > MC, k > KC (uneven blocks), n not a multiple of the register tile; big enough to run in parallel.
        CheckCase(transA, transB, 151, 263, 601, alpha: 0.75, beta: 1.0, offsets: (1, 2, 3), isDouble, seed: 7);
        CheckCase(transA, transB, 5, 1000, 300, alpha: 1.0, beta: -2.0, offsets: (0, 0, 0), isDouble, seed: 8);
    }

    [Fact]
    public void Serial_path_crosses_the_column_slabs()
    {
        // n beyond NC: several jc slabs in one single-threaded call.
        const int m = 9, n = 4500, k = 19;
        var rng = new Random(3);
        var a = RandomArray(rng, m * k);
        var b = RandomArray(rng, k * n);
        var c = RandomArray(rng, m * n);
        var expected = Naive(false, false, m, n, k, 2.0, a, 0, b, 0, 0.25, c, 0, out var scale);
        CpuGemm<double>.Multiply(false, false, m, n, k, 2.0, a, 0, b, 0, 0.25, c, 0, parallel: false);
        AssertClose(c, expected, scale, 0, k, isDouble: true, "serial 9x4500x19");
    }

    [Fact]
    public void Beta_zero_ignores_nan_in_c()
    {
        const int m = 13, n = 21, k = 9;
        var rng = new Random(5);
        var a = Cpu.Upload<float>(RandomArray(rng, m * k).Select(v => (float)v).ToArray());
        var b = Cpu.Upload<float>(RandomArray(rng, k * n).Select(v => (float)v).ToArray());
        var c = Cpu.Allocate(DType.Float32, m * n);
        Cpu.Fill(c, double.NaN);
        Cpu.Gemm(false, false, m, n, k, 1.0, a, 0, b, 0, 0.0, c, 0);
        var result = new float[m * n];
        Cpu.Download<float>(c, result);
        result.Should().OnlyContain(v => float.IsFinite(v));
    }

    [Fact]
    public void K_zero_scales_c_by_beta()
    {
        var c = Cpu.Upload<double>([1.0, 2.0, 3.0, 4.0]);
        var empty = Cpu.Allocate(DType.Float64, 1);
        Cpu.Gemm(false, false, 2, 2, 0, 1.0, empty, 0, empty, 0, 3.0, c, 0);
        var result = new double[4];
        Cpu.Download<double>(c, result);
        result.Should().Equal(3.0, 6.0, 9.0, 12.0);
    }

    private static double[] RandomArray(Random rng, int length)
    {
        var data = new double[length];
        for (int i = 0; i < length; i++) data[i] = rng.NextDouble() * 2 - 1;
        return data;
    }

    // Runs the backend GEMM on padded buffers (offsets, with junk before them) and compares with Naive.
    private static void CheckCase(bool transA, bool transB, int m, int n, int k, double alpha, double beta,
        (int A, int B, int C) offsets, bool isDouble, int seed)
    {
        var rng = new Random(seed);
        var a = RandomArray(rng, offsets.A + m * k);
        var b = RandomArray(rng, offsets.B + k * n);
        var c = RandomArray(rng, offsets.C + m * n);
        if (!isDouble)
        {
            // Round the inputs to float first so that the reference sees the same values.
            foreach (var arr in new[] { a, b, c })
                for (int i = 0; i < arr.Length; i++) arr[i] = (float)arr[i];
        }
        var expected = Naive(transA, transB, m, n, k, alpha, a, offsets.A, b, offsets.B, beta, c, offsets.C, out var scale);
        double[] actual;
        if (isDouble)
        {
            var cs = Cpu.Upload<double>(c);
            Cpu.Gemm(transA, transB, m, n, k, alpha, Cpu.Upload<double>(a), offsets.A, Cpu.Upload<double>(b), offsets.B, beta, cs, offsets.C);
            actual = new double[c.Length];
            Cpu.Download<double>(cs, actual);
        }
        else
        {
            static float[] F(double[] x) => x.Select(v => (float)v).ToArray();
            var cs = Cpu.Upload<float>(F(c));
            Cpu.Gemm(transA, transB, m, n, k, alpha, Cpu.Upload<float>(F(a)), offsets.A, Cpu.Upload<float>(F(b)), offsets.B, beta, cs, offsets.C);
            var result = new float[c.Length];
            Cpu.Download<float>(cs, result);
            actual = result.Select(v => (double)v).ToArray();
        }
        AssertClose(actual, expected, scale, offsets.C, k, isDouble,
            $"m {m} n {n} k {k} transA {transA} transB {transB} alpha {alpha} beta {beta}");
    }

    // Reference result (whole C buffer, prefix untouched) and, per element, alpha*sum|a||b| + |beta c|
    // (the scale of the rounding error bound).
    private static double[] Naive(bool transA, bool transB, int m, int n, int k, double alpha,
        double[] a, int aOff, double[] b, int bOff, double beta, double[] c, int cOff, out double[] scale)
    {
        var result = (double[])c.Clone();
        scale = new double[c.Length];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0, abs = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = transA ? a[aOff + p * m + i] : a[aOff + i * k + p];
                    double bv = transB ? b[bOff + j * k + p] : b[bOff + p * n + j];
                    sum += av * bv;
                    abs += Math.Abs(av * bv);
                }
                int idx = cOff + i * n + j;
                result[idx] = alpha * sum + beta * c[idx];
                scale[idx] = Math.Abs(alpha) * abs + Math.Abs(beta * c[idx]);
            }
        return result;
    }

    // Error bound: a k-term dot product plus the alpha/beta update loses at most (k + 3) unit roundoffs of the
    // scale; allow twice that (the double reference has its own rounding error of the same order).
    private static void AssertClose(double[] actual, double[] expected, double[] scale, int cOff, int k, bool isDouble, string label)
    {
        double unit = isDouble ? Math.Pow(2, -53) : Math.Pow(2, -24);
        for (int i = 0; i < cOff; i++)
            actual[i].Should().Be(expected[i], $"the prefix before the C offset must be untouched ({label})");
        for (int i = cOff; i < actual.Length; i++)
        {
            double tol = 2 * (k + 3) * unit * scale[i] + 1e-300;
            if (Math.Abs(actual[i] - expected[i]) > tol)
                throw new Xunit.Sdk.XunitException($"{label}: element {i - cOff}: got {actual[i]:R}, expected {expected[i]:R} (tolerance {tol:G3})");
        }
    }
}

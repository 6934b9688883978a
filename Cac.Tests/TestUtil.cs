namespace Cac.Tests;

/// <summary>Small helpers shared by the tests.</summary>
internal static class TestUtil
{
    /// <summary>
    /// One optimizer step on a classification batch as `cac train` runs it, in a <see cref="TensorScope"/> of its own
    /// unless <paramref name="scoped"/> is false; returns the batch's cross-entropy.
    /// </summary>
    public static double TrainStep(Cac.Nn.Module net, Cac.Optim.Optimizer optimizer, Tensor images, Tensor labels, bool scoped = true)
    {
        using var scope = scoped ? TensorScope.Begin() : null;
        var loss = Ops.CrossEntropy(net.Forward(images), labels);
        optimizer.ZeroGrad();
        loss.Backward();
        optimizer.Step();
        return loss.Item();
    }

    /// <summary>A float64 tensor of N(0, 1) samples that requires grad (gradient-check input).</summary>
    public static Tensor RandD(int seed, params int[] shape) =>
        Tensor.RandN(shape, new Generator(seed), dtype: DType.Float64, requiresGrad: true);

    /// <summary>A float32 tensor of N(0, 1) samples.</summary>
    public static Tensor RandF(int seed, params int[] shape) => Tensor.RandN(shape, new Generator(seed));

    /// <summary>Largest |a - b| over two arrays of equal length.</summary>
    public static double MaxAbsDiff(float[] a, float[] b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"lengths differ: {a.Length} vs {b.Length}");
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs((double)a[i] - b[i]));
        return m;
    }
}

/// <summary>
/// Worst-case rounding-error bounds (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., sections 2.2 and
/// 3.1): a float result computed from exact inputs is within these multiples of the unit roundoff.
/// </summary>
internal static class Rounding
{
    /// <summary>The unit roundoff u: 2^-24 for float32, 2^-53 for float64 (round to nearest).</summary>
    public static double Unit(DType dtype) => dtype == DType.Float64 ? Math.Pow(2, -53) : Math.Pow(2, -24);

    /// <summary>
    /// gamma_n = n u / (1 - n u): a sum of n terms, each a product of exact inputs (or one rounding away from one), computed
    /// in any order, blocking or tree (SIMD lanes, GEMM tiles, per-thread partial sums), with or without fused multiply-adds,
    /// is within gamma_n * (sum of the terms' magnitudes) of the exact sum.
    /// </summary>
    public static double Gamma(int n, DType dtype)
    {
        double nu = n * Unit(dtype);
        if (nu >= 1) throw new ArgumentOutOfRangeException(nameof(n), n, "n u must stay below 1");
        return nu / (1 - nu);
    }
}

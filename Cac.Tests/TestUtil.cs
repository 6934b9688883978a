namespace Cac.Tests;

/// <summary>Small helpers shared by the tests.</summary>
internal static class TestUtil
{
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

using FluentAssertions;

namespace Cac.Tests.Core;

/// <summary>Helpers shared by the pooling, resizing, padding, concat and shuffle tests.</summary>
internal static class ShapeOpsTestUtil
{
    /// <summary>A float64 tensor (1, 1, H, W) holding one hand-written plane.</summary>
    public static Tensor Plane(double[,] values, bool requiresGrad = false)
    {
        int h = values.GetLength(0), w = values.GetLength(1);
        var data = new double[h * w];
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) data[i * w + j] = values[i, j];
        return Tensor.FromArray(data, [1, 1, h, w], requiresGrad: requiresGrad);
    }

    /// <summary>A float64 tensor of the given shape holding 0, 1, 2, ... (row-major), times <paramref name="scale"/>.</summary>
    public static Tensor Arange(double scale, params int[] shape) =>
        Tensor.FromArray(Enumerable.Range(0, (int)Shape.Numel(shape)).Select(i => i * scale).ToArray(), shape);

    /// <summary>
    /// A float64 tensor that requires grad with pairwise distinct values at least 0.3 apart (a shuffled
    /// ramp): max pooling then has no ties, and a gradient-check step cannot change any argmax.
    /// </summary>
    public static Tensor DistinctD(int seed, params int[] shape)
    {
        int n = (int)Shape.Numel(shape);
        var perm = new Generator(seed).Permutation(n);
        return Tensor.FromArray(perm.Select(p => 0.3 * p - 0.15 * n).ToArray(), shape, requiresGrad: true);
    }

    /// <summary>Asserts shape and values (to within <paramref name="tol"/>) of a tensor.</summary>
    public static void ShouldBe(this Tensor t, int[] shape, double[] expected, double tol = 1e-12)
    {
        t.Shape.Should().Equal(shape);
        var actual = t.ToDoubleArray();
        actual.Should().HaveCount(expected.Length);
        for (int i = 0; i < expected.Length; i++)
            actual[i].Should().BeApproximately(expected[i], tol, $"element {i} of {Shape.Format(shape)}");
    }
}

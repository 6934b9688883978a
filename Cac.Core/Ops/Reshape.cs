namespace Cac;

public static partial class Ops
{
    /// <summary>Same elements, new shape (storage shared). One extent may be -1 and is inferred.</summary>
    public static Tensor Reshape(Tensor x, params int[] shape)
    {
        var resolved = ResolveShape(x, shape);
        var y = new Tensor(x.Storage, resolved);
        var xShape = x.Shape;
        return Autograd.Record("reshape", y, [x], grad => [new Tensor(grad.Storage, xShape)]);
    }

    /// <summary>Flattens dimensions from <paramref name="startAxis"/> on into one: (N, C, H, W) -> (N, C*H*W).</summary>
    public static Tensor Flatten(Tensor x, int startAxis = 1)
    {
        int start = Shape.NormalizeAxis(startAxis, x.Rank, x.Dims);
        var shape = x.Dims[..start].ToArray().Append((int)Shape.Numel(x.Dims[start..])).ToArray();
        return Reshape(x, shape);
    }

    private static int[] ResolveShape(Tensor x, int[] shape)
    {
        var result = (int[])shape.Clone();
        int infer = Array.IndexOf(result, -1);
        if (infer >= 0)
        {
            if (Array.IndexOf(result, -1, infer + 1) >= 0)
                throw new ArgumentException($"reshape: only one dimension can be -1, got {Shape.Format(shape)}");
            long known = 1;
            for (int i = 0; i < result.Length; i++) if (i != infer) known *= result[i];
            if (known == 0 || x.Numel % known != 0)
                throw new ArgumentException($"reshape: cannot reshape a tensor of shape {Shape.Format(x.Dims)} into {Shape.Format(shape)}");
            result[infer] = (int)(x.Numel / known);
        }
        if (Shape.Numel(result) != x.Numel)
            throw new ArgumentException($"reshape: cannot reshape a tensor of shape {Shape.Format(x.Dims)} ({x.Numel} elements) into {Shape.Format(shape)}");
        return result;
    }

    /// <summary>Reorders axes: y.shape[i] = x.shape[perm[i]] (a contiguous copy).</summary>
    public static Tensor Permute(Tensor x, params int[] perm)
    {
        if (perm.Length != x.Rank || perm.OrderBy(p => p).Where((p, i) => p != i).Any())
            throw new ArgumentException($"permute: {Shape.Format(perm)} is not a permutation of the axes of shape {Shape.Format(x.Dims)}");
        var xShape = x.Shape;
        var y = Empty(x, perm.Select(p => xShape[p]).ToArray());
        x.Backend.Permute(x.Storage, xShape, perm, y.Storage);
        var inverse = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) inverse[perm[i]] = i;
        return Autograd.Record("permute", y, [x], grad => [Permute(grad, inverse)]);
    }

    /// <summary>Swaps the last two axes of a matrix (a contiguous copy).</summary>
    public static Tensor Transpose(Tensor x)
    {
        if (x.Rank < 2) throw new ArgumentException($"transpose needs at least 2 dimensions, got shape {Shape.Format(x.Dims)}");
        var perm = Enumerable.Range(0, x.Rank).ToArray();
        (perm[^1], perm[^2]) = (perm[^2], perm[^1]);
        return Permute(x, perm);
    }
}

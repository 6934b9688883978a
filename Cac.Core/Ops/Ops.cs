namespace Cac;

/// <summary>
/// Differentiable tensor operations (the counterpart of torch and torch.nn.functional).
/// Each op lives in its own file: validation, the forward kernel call, and its backward
/// function side by side. Kernels come from the tensor's backend.
/// </summary>
public static partial class Ops
{
    /// <summary>
    /// A new tensor on the same device and dtype as <paramref name="like"/> with unspecified contents
    /// (<see cref="IBackend.AllocateUninitialized"/>): only for outputs that a kernel overwrites completely. Kernels that
    /// accumulate (the IBackend methods documented "Accumulates") need <see cref="Tensor.Zeros"/>.
    /// </summary>
    internal static Tensor Empty(Tensor like, params int[] shape) =>
        new(like.Backend.AllocateUninitialized(like.DType, Shape.Numel(shape)), shape);

    internal static void RequireFloat(Tensor t, string op)
    {
        if (!t.DType.IsFloatingPoint())
            throw new ArgumentException($"{op} needs a floating-point tensor, got {t.DType.Name()} of shape {Shape.Format(t.Dims)}");
    }

    internal static void RequireRank(Tensor t, int rank, string op, string layout)
    {
        if (t.Rank != rank)
            throw new ArgumentException($"{op} expects a {rank}-D input {layout}, got shape {Shape.Format(t.Dims)}");
    }

    /// <summary>Checks that all tensors share device and dtype, naming the op and the culprits.</summary>
    internal static void RequireCompatible(string op, params Tensor?[] tensors)
    {
        Tensor? first = null;
        foreach (var t in tensors)
        {
            if (t is null) continue;
            if (first is null) { first = t; continue; }
            if (t.Device != first.Device)
                throw new ArgumentException($"{op}: tensors are on different devices ({first.Device} and {t.Device})");
            if (t.DType != first.DType)
                throw new ArgumentException($"{op}: tensors have different dtypes ({first.DType.Name()} {Shape.Format(first.Dims)} and {t.DType.Name()} {Shape.Format(t.Dims)})");
        }
    }

    /// <summary>Sums a broadcast gradient back to the shape of the input it came from.</summary>
    internal static Tensor SumTo(Tensor grad, ReadOnlySpan<int> shape)
    {
        if (Shape.SameAs(grad.Dims, shape)) return grad;
        // Pad the target shape with leading 1s to grad's rank, reduce, then drop the padding.
        var padded = new int[grad.Rank];
        int lead = grad.Rank - shape.Length;
        for (int i = 0; i < grad.Rank; i++) padded[i] = i < lead ? 1 : shape[i - lead];
        var y = Empty(grad, padded);
        grad.Backend.SumToShape(grad.Storage, grad.Shape, y.Storage, padded);
        return new Tensor(y.Storage, shape.ToArray());
    }
}

namespace Cac;

public static partial class Ops
{
    /// <summary>Concatenates tensors along an axis (channels by default); all other extents must agree.</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> xs, int axis = 1) =>
        throw new NotImplementedException("concat: pending");

    /// <summary>The slice [start, start + length) of x along an axis (a copy), the inverse of concat.</summary>
    public static Tensor Narrow(Tensor x, int axis, int start, int length) =>
        throw new NotImplementedException("narrow: pending");
}

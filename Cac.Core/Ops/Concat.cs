namespace Cac;

public static partial class Ops
{
    /// <summary>Concatenates tensors along an axis (channels by default); all other extents must agree.</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> xs, int axis = 1)
    {
        if (xs.Count == 0) throw new ArgumentException("concat needs at least one tensor");
        var first = xs[0];
        int a = Shape.NormalizeAxis(axis, first.Rank, first.Dims);
        RequireCompatible("concat", [.. xs]);
        string Shapes() => string.Join(", ", xs.Select(t => Shape.Format(t.Dims)));
        int total = 0;
        foreach (var t in xs)
        {
            bool same = t.Rank == first.Rank;
            for (int d = 0; same && d < t.Rank; d++) same = d == a || t.Dims[d] == first.Dims[d];
            if (!same)
                throw new ArgumentException($"concat along axis {axis}: shapes {Shapes()} must have the same rank and equal extents except on axis {axis}");
            total += t.Dims[a];
        }
        // Viewed as (outer, extent, inner): input i fills the rows [offset_i, offset_i + extent_i) of every outer block.
        var shape = first.Shape;
        shape[a] = total;
        long outer = Shape.Numel(first.Dims[..a]), inner = Shape.Numel(first.Dims[(a + 1)..]);
        var y = Tensor.Zeros(shape, first.DType, first.Device);
        var offsets = new int[xs.Count];
        int offset = 0;
        for (int i = 0; i < xs.Count; i++)
        {
            var t = xs[i];
            offsets[i] = offset;
            long block = t.Dims[a] * inner;
            first.Backend.CopyBlocks(t.Storage, 0, block, y.Storage, offset * inner, total * inner, outer, block);
            offset += t.Dims[a];
        }
        var inputs = xs.ToArray();
        return Autograd.Record("concat", y, inputs, grad =>
            inputs.Select((t, i) => t.RequiresGrad ? Narrow(grad, a, offsets[i], t.Dims[a]) : null).ToArray());
    }

    /// <summary>
    /// The slice [start, start + length) of x along an axis (a copy), the inverse of concat.
    /// A negative start counts from the end of the axis, as torch.narrow.
    /// </summary>
    public static Tensor Narrow(Tensor x, int axis, int start, int length)
    {
        int a = Shape.NormalizeAxis(axis, x.Rank, x.Dims);
        int extent = x.Dims[a];
        int s = start < 0 ? start + extent : start;
        if (s < 0 || length < 0 || s + length > extent)
            throw new ArgumentException($"narrow: slice [{start}, {start} + {length}) is out of range for axis {axis} of extent {extent} (shape {Shape.Format(x.Dims)})");
        // x viewed as (outer, extent, inner); y: (outer, length, inner).
        long outer = Shape.Numel(x.Dims[..a]), inner = Shape.Numel(x.Dims[(a + 1)..]);
        var shape = x.Shape;
        shape[a] = length;
        var y = Empty(x, shape);
        x.Backend.CopyBlocks(x.Storage, s * inner, extent * inner, y.Storage, 0, length * inner, outer, length * inner);
        var xShape = x.Shape;
        return Autograd.Record("narrow", y, [x], grad =>
        {
            // The slice's gradient placed back into zeros of x's shape.
            var gx = Tensor.Zeros(xShape, x.DType, x.Device);
            x.Backend.CopyBlocks(grad.Storage, 0, length * inner, gx.Storage, s * inner, extent * inner, outer, length * inner);
            return [gx];
        });
    }
}

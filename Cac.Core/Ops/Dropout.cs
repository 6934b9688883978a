namespace Cac;

public static partial class Ops
{
    /// <summary>
    /// Inverted dropout: in training, zeroes each element with probability <paramref name="p"/> and scales
    /// the rest by 1/(1-p); the identity in evaluation. The mask comes from <paramref name="generator"/>.
    /// </summary>
    public static Tensor Dropout(Tensor x, double p, bool training, Generator generator)
    {
        RequireFloat(x, "dropout");
        if (!(p >= 0 && p < 1))
            throw new ArgumentException($"dropout: p must be in [0, 1), got {p}");
        if (!training || p == 0) return x;
        // mask, x, y: same shape; mask holds 0 or 1/(1-p) from a counter-based hash of the seed.
        var mask = Empty(x, x.Shape);
        x.Backend.DropoutMask(mask.Storage, p, generator.NextUInt64());
        var y = Empty(x, x.Shape);
        var strides = Shape.Strides(x.Dims);
        x.Backend.Binary(BinaryOp.Mul, x.Storage, strides, mask.Storage, strides, y.Storage, x.Shape);
        return Autograd.Record("dropout", y, [x], grad => [Mul(grad, mask)]);
    }
}

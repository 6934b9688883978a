namespace Cac;

public static partial class Ops
{
    /// <summary>Sum of all elements (a scalar tensor of shape []).</summary>
    public static Tensor Sum(Tensor x) => Sum(x, Enumerable.Range(0, x.Rank).ToArray(), keepDim: false);

    /// <summary>Mean of all elements (a scalar tensor of shape []).</summary>
    public static Tensor Mean(Tensor x) => Mean(x, Enumerable.Range(0, x.Rank).ToArray(), keepDim: false);

    /// <summary>Sum over the given axes; kept as extent 1 when <paramref name="keepDim"/>.</summary>
    public static Tensor Sum(Tensor x, int[] axes, bool keepDim = false)
    {
        RequireFloat(x, "sum");
        var reduce = new bool[x.Rank];
        foreach (var a in axes) reduce[Shape.NormalizeAxis(a, x.Rank, x.Dims)] = true;
        var xShape = x.Shape;
        var kept = xShape.Select((d, i) => reduce[i] ? 1 : d).ToArray();
        var y = Empty(x, kept);
        x.Backend.SumToShape(x.Storage, xShape, y.Storage, kept);
        var outShape = keepDim ? kept : xShape.Where((_, i) => !reduce[i]).ToArray();
        var result = new Tensor(y.Storage, outShape);
        // Backward: broadcast grad (viewed with the kept 1s) back over x's shape.
        return Autograd.Record("sum", result, [x], grad => [BroadcastTo(new Tensor(grad.Storage, kept), xShape)]);
    }

    /// <summary>Mean over the given axes.</summary>
    public static Tensor Mean(Tensor x, int[] axes, bool keepDim = false)
    {
        long count = 1;
        foreach (var a in axes.Select(a => Shape.NormalizeAxis(a, x.Rank, x.Dims)).Distinct()) count *= x.Dims[a];
        return Sum(x, axes, keepDim) * (1.0 / Math.Max(count, 1));
    }

    /// <summary>Mean over channels: (N, C, H, W) -> (N, 1, H, W). CAC's score map starts here.</summary>
    public static Tensor ChannelMean(Tensor x)
    {
        RequireRank(x, 4, "channel_mean", "(N, C, H, W)");
        return Mean(x, [1], keepDim: true);
    }

    /// <summary>Repeats x along broadcast dimensions to <paramref name="shape"/>.</summary>
    public static Tensor BroadcastTo(Tensor x, int[] shape)
    {
        var target = Shape.Broadcast(x.Dims, shape);
        if (!Shape.SameAs(target, shape))
            throw new ArgumentException($"cannot broadcast shape {Shape.Format(x.Dims)} to {Shape.Format(shape)}");
        if (Shape.SameAs(x.Dims, shape)) return x;
        var y = Empty(x, shape);
        var zero = Tensor.Zeros([], x.DType, x.Device);
        x.Backend.Binary(Cac.BinaryOp.Add, x.Storage, Shape.BroadcastStrides(x.Dims, shape), zero.Storage, new long[shape.Length], y.Storage, shape);
        var xShape = x.Shape;
        return Autograd.Record("broadcast_to", y, [x], grad => [SumTo(grad, xShape)]);
    }
}

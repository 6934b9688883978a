namespace Cac;

public static partial class Ops
{
    /// <summary>Softmax over the last axis.</summary>
    public static Tensor Softmax(Tensor x) => SoftmaxLastAxis(x, log: false);

    /// <summary>Log-softmax over the last axis (stable).</summary>
    public static Tensor LogSoftmax(Tensor x) => SoftmaxLastAxis(x, log: true);

    // x, y: (..., cols), viewed as (rows, cols). The backward reads only the output y.
    private static Tensor SoftmaxLastAxis(Tensor x, bool log)
    {
        string name = log ? "log_softmax" : "softmax";
        RequireFloat(x, name);
        if (x.Rank == 0) throw new ArgumentException($"{name} needs at least one dimension, got shape {Shape.Format(x.Dims)}");
        int cols = x.Dims[^1];
        int rows = cols == 0 ? 0 : (int)(x.Numel / cols);
        var y = Empty(x, x.Shape);
        x.Backend.Softmax(x.Storage, y.Storage, rows, cols, log);
        return Autograd.Record(name, y, [x], grad =>
        {
            var gx = Empty(x, x.Shape);
            x.Backend.SoftmaxBackward(y.Storage, grad.Storage, gx.Storage, rows, cols, log);
            return [gx];
        });
    }
}

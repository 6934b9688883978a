namespace Cac;

public static partial class Ops
{
    /// <summary>
    /// Mean softmax cross-entropy, fused and numerically stable. logits: (N, classes), labels: Int32 (N)
    /// with values in [0, classes). Returns a scalar.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor labels)
    {
        const string op = "cross_entropy";
        RequireRank(logits, 2, op, "(N, classes)");
        RequireFloat(logits, op);
        int n = logits.Dims[0], classes = logits.Dims[1];
        if (labels.DType != DType.Int32)
            throw new ArgumentException($"{op}: labels must be int32, got {labels.DType.Name()} of shape {Shape.Format(labels.Dims)}");
        if (labels.Rank != 1 || labels.Dims[0] != n)
            throw new ArgumentException($"{op}: labels must have shape ({n}) for logits of shape {Shape.Format(logits.Dims)}, got {Shape.Format(labels.Dims)}");
        if (labels.Device != logits.Device)
            throw new ArgumentException($"{op}: logits and labels are on different devices ({logits.Device} and {labels.Device})");
        if (n == 0) throw new ArgumentException($"{op}: the batch is empty (logits of shape {Shape.Format(logits.Dims)})");
        var values = labels.ToIntArray();
        for (int i = 0; i < values.Length; i++)
            if (values[i] < 0 || values[i] >= classes)
                throw new ArgumentException($"{op}: label {values[i]} at index {i} is out of range [0, {classes}) for logits of shape {Shape.Format(logits.Dims)}");

        // losses: (N), probs: (N, classes); the result is mean(losses).
        var losses = Empty(logits, n);
        var probs = Empty(logits, n, classes);
        logits.Backend.SoftmaxCrossEntropy(logits.Storage, labels.Storage, losses.Storage, probs.Storage, n, classes);
        var sum = Empty(logits);
        logits.Backend.ReduceSum(losses.Storage, sum.Storage, 1, n, 1);
        var loss = Empty(logits);
        logits.Backend.Affine(sum.Storage, loss.Storage, 1.0 / n, 0);
        return Autograd.Record(op, loss, [logits], grad =>
        {
            // Each row's loss receives grad / N.
            var gLosses = Affine(BroadcastTo(new Tensor(grad.Storage, [1]), [n]), 1.0 / n, 0);
            var gx = Empty(logits, n, classes);
            logits.Backend.SoftmaxCrossEntropyBackward(probs.Storage, labels.Storage, gLosses.Storage, gx.Storage, n, classes);
            return [gx];
        });
    }
}

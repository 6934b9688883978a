namespace Cac;

public static partial class Ops
{
    /// <summary>
    /// Batch normalisation over (N, H, W) per channel. x: (N, C, H, W); weight, bias, runningMean, runningVar: (C).
    /// Training: batch statistics, running statistics updated in place with <paramref name="momentum"/>
    /// (unbiased variance), as PyTorch. Evaluation: running statistics. With <paramref name="relu"/> the result is
    /// max(0, batch_norm(x)), in training one fused pass forward and backward (BN followed by ReLU in every CNN block).
    /// </summary>
    public static Tensor BatchNorm2d(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
        bool training, double momentum = 0.1, double eps = 1e-5, bool relu = false)
    {
        string op = relu ? "batch_norm_relu" : "batch_norm";
        RequireRank(x, 4, op, "(N, C, H, W)");
        RequireFloat(x, op);
        RequireCompatible(op, x, weight, bias, runningMean, runningVar);
        int n = x.Dims[0], c = x.Dims[1], hw = x.Dims[2] * x.Dims[3];
        foreach (var (t, name) in new[] { (weight, "weight"), (bias, "bias"), (runningMean, "running_mean"), (runningVar, "running_var") })
            if (t.Rank != 1 || t.Dims[0] != c)
                throw new ArgumentException($"{op}: {name} must have shape ({c}) for input of shape {Shape.Format(x.Dims)}, got {Shape.Format(t.Dims)}");
        if (!(eps > 0)) throw new ArgumentException($"{op}: eps must be positive, got {eps}");
        if (training && !(momentum >= 0 && momentum <= 1))
            throw new ArgumentException($"{op}: momentum must be in [0, 1], got {momentum}");
        if (training && (long)n * hw <= 1)
            throw new ArgumentException($"{op}: training needs more than one value per channel, got input of shape {Shape.Format(x.Dims)}");

        if (relu && !training) return Relu(BatchNorm2d(x, weight, bias, runningMean, runningVar, training, momentum, eps));
        var y = Empty(x, x.Shape);
        Tensor mean, invStd;
        if (training)
        {
            mean = Empty(x, c);
            invStd = Empty(x, c);
            x.Backend.BatchNormTrainForward(x.Storage, weight.Storage, bias.Storage, y.Storage, mean.Storage, invStd.Storage,
                runningMean.Storage, runningVar.Storage, n, c, hw, momentum, eps, relu);
        }
        else
        {
            x.Backend.BatchNormEvalForward(x.Storage, weight.Storage, bias.Storage, runningMean.Storage, runningVar.Storage, y.Storage, n, c, hw, eps);
            if (!Autograd.IsEnabled || !(x.RequiresGrad || weight.RequiresGrad || bias.RequiresGrad)) return y;
            // Snapshot the running statistics: a later training step updates them in place.
            using var _ = Autograd.NoGrad();
            mean = Empty(x, c);
            mean.CopyFrom(runningMean.Detach());
            invStd = Div(Tensor.Ones([c], x.DType, x.Device), Sqrt(Affine(runningVar.Detach(), 1, eps)));
        }

        return Autograd.Record(op, y, [x, weight, bias], grad =>
        {
            var gx = Empty(x, x.Shape);
            var gWeight = Empty(x, c);
            var gBias = Empty(x, c);
            x.Backend.BatchNormBackward(x.Storage, relu ? y.Storage : null, grad.Storage, weight.Storage, mean.Storage, invStd.Storage,
                gx.Storage, gWeight.Storage, gBias.Storage, n, c, hw, batchStats: training);
            return [gx, gWeight, gBias];
        });
    }
}

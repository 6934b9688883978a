namespace Cac;

public static partial class Ops
{
    /// <summary>
    /// Batch normalisation over (N, H, W) per channel. x: (N, C, H, W); weight, bias, runningMean, runningVar: (C).
    /// Training: batch statistics, running statistics updated in place with <paramref name="momentum"/>
    /// (unbiased variance), as PyTorch. Evaluation: running statistics.
    /// </summary>
    public static Tensor BatchNorm2d(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
        bool training, double momentum = 0.1, double eps = 1e-5) =>
        throw new NotImplementedException("batch_norm: pending");
}

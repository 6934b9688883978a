using Cac.Nn;

namespace Cac.Adversarial;

/// <summary>
/// The momentum iterative fast gradient sign method, MI-FGSM (Dong et al., 2018): the step follows the sign of an
/// accumulated gradient g = mu * g + dL/dx / ||dL/dx||_1 (the L1 norm per image), each step projected onto the eps-ball
/// and [0, 1] as in <see cref="Pgd"/>. Starts at the image.
/// </summary>
public static class MiFgsm
{
    /// <summary>
    /// Adversarial images for <paramref name="images"/> with momentum <c>options.Momentum</c> (Dong et al.: 1).
    /// <paramref name="model"/> takes pixels in [0, 1] and runs in the mode it is in. images: (N, C, H, W) in [0, 1];
    /// labels: Int32 (N); returns (N, C, H, W).
    /// </summary>
    public static Tensor Attack(Module model, Tensor images, Tensor labels, AttackOptions options)
    {
        options.Validate();
        Tensor? velocity = null; // g: (N, C, H, W), outlives the steps' scopes
        Tensor Accumulate(Tensor gradient)
        {
            // (N, 1, 1, 1); an image whose gradient is all zero (a saturated loss) keeps a zero direction, not 0 / 0.
            var l1 = Ops.Maximum(Ops.Sum(Ops.Abs(gradient), [1, 2, 3], keepDim: true), Tensor.Scalar(1e-30, gradient.DType, gradient.Device));
            var normalised = Ops.Div(gradient, l1);
            var next = velocity is null ? normalised : Ops.Add(Ops.Affine(velocity, options.Momentum, 0), normalised);
            velocity?.Storage.Dispose();
            velocity = next.MoveToOuterScope();
            return velocity;
        }
        var adversarial = LinfBall.SignedGradientSteps(model, images, labels, images, options, Accumulate);
        velocity?.Storage.Dispose();
        return adversarial;
    }
}

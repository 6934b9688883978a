using Cac.Nn;

namespace Cac.Adversarial;

/// <summary>
/// The fast gradient sign method (Goodfellow et al., 2015): one step of size eps along the sign of the input gradient of
/// the cross-entropy, x' = clamp(x + eps * sign(dL/dx), 0, 1).
/// </summary>
public static class Fgsm
{
    /// <summary>
    /// Adversarial images for <paramref name="images"/>. <paramref name="model"/> takes pixels in [0, 1] (wrap a trained
    /// network with <see cref="InputNormalization.Wrap"/>) and runs in the mode it is in. images: (N, C, H, W) in [0, 1];
    /// labels: Int32 (N); returns (N, C, H, W) in [0, 1], within <c>options.Epsilon</c> of the images. Uses Epsilon only.
    /// </summary>
    public static Tensor Attack(Module model, Tensor images, Tensor labels, AttackOptions options)
    {
        options.Validate();
        using var scope = TensorScope.Begin();
        var gradient = InputGradient.Of(model, images, labels);
        var moved = Ops.Add(images, Ops.Affine(Ops.Sign(gradient), options.Epsilon, 0));
        return Ops.Clamp(moved, 0, 1).MoveToOuterScope();
    }
}

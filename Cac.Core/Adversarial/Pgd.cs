using Cac.Nn;

namespace Cac.Adversarial;

/// <summary>
/// Projected gradient descent on the negative loss, PGD-k (Madry et al., 2018): k signed-gradient steps of size
/// <c>StepSize</c>, each followed by the projection onto the eps-ball around the image and onto [0, 1]
/// (<see cref="LinfBall.Project"/>), optionally from a uniform random point of the ball.
/// </summary>
public static class Pgd
{
    /// <summary>
    /// Adversarial images for <paramref name="images"/>. <paramref name="model"/> takes pixels in [0, 1] and runs in the mode
    /// it is in. images: (N, C, H, W) in [0, 1]; labels: Int32 (N); returns (N, C, H, W), every iterate in the ball and in
    /// [0, 1]. <paramref name="generator"/> draws the random start (required when <c>options.RandomStart</c>).
    /// </summary>
    public static Tensor Attack(Module model, Tensor images, Tensor labels, AttackOptions options, Generator? generator = null)
    {
        options.Validate();
        var start = images;
        if (options.RandomStart)
        {
            if (generator is null) throw new ArgumentException("PGD with a random start needs a generator");
            using var scope = TensorScope.Begin();
            var noise = Tensor.Uniform(images.Shape, generator, -options.Epsilon, options.Epsilon, images.DType, images.Device);
            start = Ops.Clamp(Ops.Add(images, noise), 0, 1).MoveToOuterScope();
        }
        return LinfBall.SignedGradientSteps(model, images, labels, start, options, gradient => gradient);
    }
}

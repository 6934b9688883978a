using Cac.Nn;

namespace Cac.Adversarial;

/// <summary>The constraint set of the L-infinity attacks: the ball of radius eps around the clean image, inside [0, 1].</summary>
public static class LinfBall
{
    /// <summary>
    /// x projected onto {z : |z - center| &lt;= eps elementwise, 0 &lt;= z &lt;= 1}: clamped to [center - eps, center + eps], then to
    /// [0, 1] (the order of Madry et al.'s reference; the result lies in both sets because center lies in [0, 1]).
    /// x, center: (N, C, H, W); returns (N, C, H, W).
    /// </summary>
    public static Tensor Project(Tensor x, Tensor center, double eps)
    {
        var inBall = Ops.Minimum(Ops.Maximum(x, Ops.Affine(center, 1, -eps)), Ops.Affine(center, 1, eps));
        return Ops.Clamp(inBall, 0, 1);
    }

    /// <summary>
    /// The shared loop of the iterative attacks: from <paramref name="start"/>, <c>options.Steps</c> times
    /// x = Project(x + step * sign(direction(dL/dx)), images, eps). <paramref name="direction"/> maps the step's input
    /// gradient (N, C, H, W) to the tensor whose sign is taken (PGD: the gradient itself; MI-FGSM: its momentum). Each step
    /// runs in its own <see cref="TensorScope"/>; the iterates the loop replaces are released as it goes.
    /// </summary>
    internal static Tensor SignedGradientSteps(Module model, Tensor images, Tensor labels, Tensor start, AttackOptions options,
        Func<Tensor, Tensor> direction)
    {
        var x = start;
        for (int step = 0; step < options.Steps; step++)
        {
            Tensor next;
            using (TensorScope.Begin())
            {
                var gradient = InputGradient.Of(model, x, labels);
                var moved = Ops.Add(x, Ops.Affine(Ops.Sign(direction(gradient)), options.StepSize, 0));
                next = Project(moved, images, options.Epsilon).MoveToOuterScope();
            }
            if (!ReferenceEquals(x, images)) x.Storage.Dispose();
            x = next;
        }
        return x;
    }
}

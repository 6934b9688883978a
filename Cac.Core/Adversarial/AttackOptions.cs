namespace Cac.Adversarial;

/// <summary>
/// The settings shared by the L-infinity attacks (<see cref="Fgsm"/>, <see cref="MiFgsm"/>, <see cref="Pgd"/>), in pixel
/// space: images and perturbations are in units of [0, 1] pixels, before the dataset's normalisation. The defaults are the
/// paper's (Table 5, after Madry et al.): eps 8/255, step 2/255, 10 steps, no random start, momentum 1.
/// </summary>
/// <param name="Epsilon">Radius of the L-infinity ball around the clean image, in [0, 1]; FGSM's one step has this size.</param>
/// <param name="StepSize">Size of each signed-gradient step of the iterative attacks, in [0, 1].</param>
/// <param name="Steps">Number of iterations of the iterative attacks (0 leaves the image unchanged, or at its random start).</param>
/// <param name="RandomStart">PGD only: start from a uniform random point of the ball (clamped to [0, 1]) instead of the image.</param>
/// <param name="Momentum">MI-FGSM only: the decay mu of the accumulated gradient (Dong et al.: 1).</param>
public sealed record AttackOptions(
    double Epsilon = AttackOptions.PaperEpsilon,
    double StepSize = AttackOptions.PaperStepSize,
    int Steps = AttackOptions.PaperSteps,
    bool RandomStart = false,
    double Momentum = 1.0)
{
    /// <summary>The paper's radius, 8/255.</summary>
    public const double PaperEpsilon = 8.0 / 255;

    /// <summary>The paper's step size, 2/255.</summary>
    public const double PaperStepSize = 2.0 / 255;

    /// <summary>The paper's iterations for MI-FGSM and PGD-10 (PGD-100 uses 100).</summary>
    public const int PaperSteps = 10;

    /// <summary>Throws an <see cref="ArgumentException"/> with a one-line message naming the first setting out of range.</summary>
    public void Validate()
    {
        if (!(Epsilon >= 0 && Epsilon <= 1)) throw new ArgumentException($"eps must lie in [0, 1] (pixel units), got {Epsilon}");
        if (!(StepSize >= 0 && StepSize <= 1)) throw new ArgumentException($"step size must lie in [0, 1] (pixel units), got {StepSize}");
        if (Steps < 0) throw new ArgumentException($"steps must be >= 0, got {Steps}");
        if (!(Momentum >= 0) || !double.IsFinite(Momentum)) throw new ArgumentException($"momentum must be a finite number >= 0, got {Momentum}");
    }
}

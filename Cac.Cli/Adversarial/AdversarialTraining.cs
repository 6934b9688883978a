using Cac.Adversarial;
using Cac.Data;
using Cac.Nn;

namespace Cac.Cli.Adversarial;

/// <summary>
/// The training images of adversarial training (Madry et al., 2018; `cac train --adversarial pgd`): each batch is replaced
/// by its PGD examples, from a uniform random start, against the model being trained. The attack runs in training mode,
/// as in Madry et al.'s reference (cifar10_challenge builds its attack on the training graph, so its batch norms use
/// batch statistics and their running averages also see the attack's forward passes; here likewise). The random start of
/// batch b of epoch e is drawn from a generator seeded by (seed, e, b), so a resumed run draws what the uninterrupted one
/// would have.
/// </summary>
/// <param name="pixelModel">The model being trained, taking pixels in [0, 1] (<see cref="InputNormalization.Wrap"/>).</param>
/// <param name="options">The attack: eps, step size, steps (random start is forced on).</param>
/// <param name="seed">The run's seed.</param>
internal sealed class AdversarialTraining(Module pixelModel, AttackOptions options, int seed)
{
    /// <summary>The attack's settings, random start on.</summary>
    public AttackOptions Options { get; } = options with { RandomStart = true };

    /// <summary>The PGD examples of <paramref name="batch"/>: (N, C, H, W) pixels in [0, 1].</summary>
    public Tensor Examples(Batch batch) =>
        Pgd.Attack(pixelModel, batch.Images, batch.Labels, Options, new Generator(SeedMix.Attack(seed, batch.Epoch, batch.Index)));
}

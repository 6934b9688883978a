using System.Text.Json.Serialization;

namespace Cac.Cli.Reproduce;

/// <summary>Everything that decides an attack's numbers besides the models: two runs with equal specs on the same weights agree.</summary>
/// <param name="Column">The Table 5 column (<see cref="AttackColumn.Name"/>), e.g. "pgd10".</param>
/// <param name="Method">`cac attack --method`: fgsm, mifgsm or pgd.</param>
/// <param name="Eps">L-infinity radius, pixel units.</param>
/// <param name="StepSize">Step of the iterative attacks, pixel units.</param>
/// <param name="Steps">Iterations.</param>
/// <param name="RandomStart">PGD's uniform random start.</param>
/// <param name="Images">The first N test images; null: all.</param>
/// <param name="BatchSize">Images per attack batch (the random start is drawn per batch).</param>
/// <param name="Seed">Seed of the random start.</param>
internal sealed record AttackSpec(
    [property: JsonPropertyName("column")] string Column,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("eps")] double Eps,
    [property: JsonPropertyName("step_size")] double StepSize,
    [property: JsonPropertyName("steps")] int Steps,
    [property: JsonPropertyName("random_start")] bool RandomStart,
    [property: JsonPropertyName("images")] int? Images,
    [property: JsonPropertyName("batch_size")] int BatchSize,
    [property: JsonPropertyName("seed")] int Seed);

/// <summary>One model classifying the clean images and the adversarial ones crafted on the source model.</summary>
/// <param name="Row">The target's row name; the source's own row for the white-box result.</param>
/// <param name="Weights">SHA-256 of the target's model.safetensors when it was evaluated.</param>
/// <param name="CleanAccuracy">Top-1 accuracy on the clean images, in [0, 1].</param>
/// <param name="AdversarialAccuracy">Top-1 accuracy on the adversarial images, in [0, 1].</param>
internal sealed record TargetResult(
    [property: JsonPropertyName("row")] string Row,
    [property: JsonPropertyName("weights_sha256")] string Weights,
    [property: JsonPropertyName("clean_accuracy")] double CleanAccuracy,
    [property: JsonPropertyName("adversarial_accuracy")] double AdversarialAccuracy)
{
    /// <summary>Error on the adversarial examples in percent (the paper's Table 5 figure): every image the target gets wrong after the attack.</summary>
    [JsonIgnore]
    public double ErrorPercent => 100 * (1 - AdversarialAccuracy);
}

/// <summary>
/// One attack of a reproduced Table 5 row: examples crafted on the row's model (the source) and evaluated on it (white
/// box) and on the other trained models of the pair (transfer), saved in the row's <see cref="AttackStore.FileName"/>.
/// </summary>
/// <param name="Spec">The attack.</param>
/// <param name="SourceWeights">SHA-256 of the source's model.safetensors.</param>
/// <param name="Images">Test images attacked.</param>
/// <param name="Seconds">Seconds the pass took (crafting and every target's classification).</param>
/// <param name="Targets">The source first, then the transfer targets.</param>
internal sealed record AttackResult(
    [property: JsonPropertyName("spec")] AttackSpec Spec,
    [property: JsonPropertyName("source_weights_sha256")] string SourceWeights,
    [property: JsonPropertyName("images")] long Images,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("targets")] IReadOnlyList<TargetResult> Targets)
{
    /// <summary>The result on the target named <paramref name="row"/>, or null.</summary>
    public TargetResult? On(string row) => Targets.FirstOrDefault(t => t.Row == row);
}

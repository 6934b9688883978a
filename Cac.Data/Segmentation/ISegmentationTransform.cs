namespace Cac.Data;

/// <summary>
/// A transform of an image and its label map together, so that they stay aligned pixel for pixel. Randomness comes
/// only from the given generator (one seeded generator reproduces the result).
/// </summary>
public interface ISegmentationTransform
{
    /// <summary>The transformed sample (a new one; the input is not changed).</summary>
    SegmentationSample Apply(SegmentationSample sample, Generator generator);
}

/// <summary>Applies transforms in order.</summary>
/// <param name="Transforms">The transforms, first applied first.</param>
public sealed record JointCompose(params ISegmentationTransform[] Transforms) : ISegmentationTransform
{
    /// <inheritdoc />
    public SegmentationSample Apply(SegmentationSample sample, Generator generator) =>
        Transforms.Aggregate(sample, (s, t) => t.Apply(s, generator));
}

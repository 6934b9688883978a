namespace Cac.Data;

/// <summary>
/// Rescales an image and its label map by a factor drawn uniformly from [min, max] (the paper's 0.5 to 2.0), both sides
/// rounded to whole pixels (at least 1), with <see cref="JointResize"/>'s aligned sampling.
/// </summary>
public sealed class JointRandomScale : ISegmentationTransform
{
    /// <summary>Scales by a factor in [<paramref name="min"/>, <paramref name="max"/>], 0 &lt; min &lt;= max.</summary>
    public JointRandomScale(double min = 0.5, double max = 2.0)
    {
        if (!(min > 0 && min <= max) || double.IsInfinity(max)) throw new ArgumentException($"JointRandomScale: range [{min}, {max}] must be positive and ordered");
        (Min, Max) = (min, max);
    }

    /// <summary>The smallest factor.</summary>
    public double Min { get; }

    /// <summary>The largest factor.</summary>
    public double Max { get; }

    /// <inheritdoc />
    public SegmentationSample Apply(SegmentationSample sample, Generator generator)
    {
        double factor = Min + (Max - Min) * generator.NextDouble();
        int height = Math.Max(1, (int)Math.Round(sample.Height * factor)), width = Math.Max(1, (int)Math.Round(sample.Width * factor));
        return JointResize.Resize(sample, height, width);
    }
}

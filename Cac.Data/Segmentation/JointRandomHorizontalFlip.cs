namespace Cac.Data;

/// <summary>Mirrors an image and its label map left-right together with probability p (one draw per sample).</summary>
public sealed class JointRandomHorizontalFlip : ISegmentationTransform
{
    /// <summary>Flips with probability <paramref name="p"/> in [0, 1].</summary>
    public JointRandomHorizontalFlip(double p = 0.5)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentException($"JointRandomHorizontalFlip: probability {p} is outside [0, 1]");
        P = p;
    }

    /// <summary>Probability of flipping.</summary>
    public double P { get; }

    /// <inheritdoc />
    public SegmentationSample Apply(SegmentationSample sample, Generator generator)
    {
        sample.Validate();
        if (!(generator.NextDouble() < P)) return sample with { Image = (float[])sample.Image.Clone(), Mask = (byte[])sample.Mask.Clone() };
        int h = sample.Height, w = sample.Width;
        var image = new float[sample.Image.Length];
        RandomHorizontalFlip.Flip(sample.Image, image, new ImageShape(SegmentationSample.Channels, h, w));
        var mask = new byte[sample.Mask.Length];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                mask[y * w + x] = sample.Mask[y * w + w - 1 - x];
        return new SegmentationSample(image, mask, h, w);
    }
}

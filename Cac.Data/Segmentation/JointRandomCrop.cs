namespace Cac.Data;

/// <summary>
/// Crops a random (height, width) window out of an image and its label map at the same offset. A side shorter than the
/// window is first padded at its end (bottom, right): the image with 0, the mask with 255 (ignored), so padding is never
/// scored. Every window position is equally likely.
/// </summary>
public sealed class JointRandomCrop : ISegmentationTransform
{
    /// <summary>Crops <paramref name="height"/> x <paramref name="width"/> windows.</summary>
    public JointRandomCrop(int height, int width)
    {
        if (height < 1 || width < 1) throw new ArgumentException($"JointRandomCrop: size ({height}, {width}) must be positive");
        (Height, Width) = (height, width);
    }

    /// <summary>Window height.</summary>
    public int Height { get; }

    /// <summary>Window width.</summary>
    public int Width { get; }

    /// <inheritdoc />
    public SegmentationSample Apply(SegmentationSample sample, Generator generator)
    {
        sample.Validate();
        int h = sample.Height, w = sample.Width;
        int paddedH = Math.Max(h, Height), paddedW = Math.Max(w, Width);
        int top = generator.NextInt(paddedH - Height + 1), left = generator.NextInt(paddedW - Width + 1);
        var image = new float[SegmentationSample.Channels * Height * Width];
        var mask = new byte[Height * Width];
        Array.Fill(mask, SegmentationSample.Ignore);
        for (int y = 0; y < Height && top + y < h; y++)
            for (int x = 0; x < Width && left + x < w; x++)
            {
                int source = (top + y) * w + left + x;
                mask[y * Width + x] = sample.Mask[source];
                for (int c = 0; c < SegmentationSample.Channels; c++)
                    image[(c * Height + y) * Width + x] = sample.Image[c * h * w + source];
            }
        return new SegmentationSample(image, mask, Height, Width);
    }
}

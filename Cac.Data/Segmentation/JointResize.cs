namespace Cac.Data;

/// <summary>
/// Resizes an image and its label map to (height, width) by one mapping of coordinates: output pixel (y, x) reads source
/// position ((y + 0.5) H / height - 0.5, (x + 0.5) W / width - 0.5) (align_corners false, as F.interpolate), clamped to the
/// image; the image interpolates bilinearly there (<see cref="Data.Resize.Bilinear"/>), the mask takes the nearer of the
/// two taps (the position rounded half up), so labels are never blended. Used with a fixed size for testing (480 x 480 in the paper) and by
/// <see cref="JointRandomScale"/>.
/// </summary>
public sealed class JointResize : ISegmentationTransform
{
    /// <summary>Resizes to <paramref name="height"/> x <paramref name="width"/>.</summary>
    public JointResize(int height, int width)
    {
        if (height < 1 || width < 1) throw new ArgumentException($"JointResize: size ({height}, {width}) must be positive");
        (Height, Width) = (height, width);
    }

    /// <summary>Output height.</summary>
    public int Height { get; }

    /// <summary>Output width.</summary>
    public int Width { get; }

    /// <inheritdoc />
    public SegmentationSample Apply(SegmentationSample sample, Generator generator) => Resize(sample, Height, Width);

    /// <summary>The sample resized to <paramref name="height"/> x <paramref name="width"/> (see the class).</summary>
    public static SegmentationSample Resize(SegmentationSample sample, int height, int width)
    {
        sample.Validate();
        int h = sample.Height, w = sample.Width;
        var image = new float[SegmentationSample.Channels * height * width];
        Data.Resize.Bilinear(sample.Image, new ImageShape(SegmentationSample.Channels, h, w), image, height, width);
        var (rows, cols) = (Nearest(h, height), Nearest(w, width));
        var mask = new byte[height * width];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                mask[y * width + x] = sample.Mask[rows[y] * w + cols[x]];
        return new SegmentationSample(image, mask, height, width);
    }

    // The source pixel nearest to each output index's source position along one axis: the bilinear taps' nearer one.
    private static int[] Nearest(int size, int outSize)
    {
        var (low, high, fraction) = (new int[outSize], new int[outSize], new float[outSize]);
        Data.Resize.SourceIndices(size, outSize, low, high, fraction);
        return Enumerable.Range(0, outSize).Select(o => fraction[o] >= 0.5f ? high[o] : low[o]).ToArray();
    }
}

namespace Cac.Data;

/// <summary>
/// Pads the image with zeros on every side, then crops a random window of size x size
/// (torchvision's RandomCrop(size, padding)). Input (C, H, W), output (C, size, size).
/// </summary>
public sealed class RandomCrop : IImageTransform
{
    /// <summary>Creates the transform: output side <paramref name="size"/>, zero padding <paramref name="padding"/> on each side.</summary>
    public RandomCrop(int size, int padding = 0)
    {
        if (size <= 0 || padding < 0)
            throw new ArgumentException($"RandomCrop: size {size} must be positive and padding {padding} non-negative");
        Size = size;
        Padding = padding;
    }

    /// <summary>Output height and width.</summary>
    public int Size { get; }

    /// <summary>Zero padding added on each side before cropping.</summary>
    public int Padding { get; }

    /// <inheritdoc />
    public ImageShape OutputShape(ImageShape input)
    {
        if (input.Height + 2 * Padding < Size || input.Width + 2 * Padding < Size)
            throw new ArgumentException($"RandomCrop: cannot crop {Size} x {Size} from an image of shape {input} padded by {Padding}");
        return input with { Height = Size, Width = Size };
    }

    /// <inheritdoc />
    public void Apply(ReadOnlySpan<float> input, Span<float> output, ImageShape shape, Generator generator)
    {
        OutputShape(shape); // validates before the draws
        int top = generator.NextInt(shape.Height + 2 * Padding - Size + 1);
        int left = generator.NextInt(shape.Width + 2 * Padding - Size + 1);
        CropAt(input, output, shape, top, left);
    }

    /// <summary>
    /// The deterministic crop: the window whose top-left corner is (<paramref name="top"/>, <paramref name="left"/>)
    /// in padded coordinates, each in [0, H + 2 * padding - size] (resp. W). Pixels from the padding are 0.
    /// </summary>
    public void CropAt(ReadOnlySpan<float> input, Span<float> output, ImageShape shape, int top, int left)
    {
        var outShape = OutputShape(shape);
        TransformChecks.Spans("RandomCrop", input, output, shape, outShape);
        if (top < 0 || top > shape.Height + 2 * Padding - Size || left < 0 || left > shape.Width + 2 * Padding - Size)
            throw new ArgumentException($"RandomCrop: offset ({top}, {left}) is outside the padded image of shape {shape}, padding {Padding}, crop {Size}");
        int h = shape.Height, w = shape.Width, s = Size;
        for (int c = 0; c < shape.Channels; c++)
            for (int y = 0; y < s; y++)
            {
                int sy = top + y - Padding;
                var dst = output.Slice((c * s + y) * s, s);
                if (sy < 0 || sy >= h) { dst.Clear(); continue; }
                var src = input.Slice((c * h + sy) * w, w);
                for (int x = 0; x < s; x++)
                {
                    int sx = left + x - Padding;
                    dst[x] = sx >= 0 && sx < w ? src[sx] : 0f;
                }
            }
    }
}

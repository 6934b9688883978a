namespace Cac.Data;

/// <summary>
/// Crops the central <see cref="Height"/> x <see cref="Width"/> window (torchvision's CenterCrop for an image at least
/// that large): top = round((H - Height) / 2), left = round((W - Width) / 2), halves rounded to even as Python does.
/// Input (C, H, W), output (C, Height, Width).
/// </summary>
public sealed class CenterCrop : IImageTransform
{
    /// <summary>A square crop of side <paramref name="size"/>.</summary>
    public CenterCrop(int size) : this(size, size) { }

    /// <summary>A <paramref name="height"/> x <paramref name="width"/> crop; both positive.</summary>
    public CenterCrop(int height, int width)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentException($"CenterCrop: crop size {height} x {width} must be positive");
        Height = height;
        Width = width;
    }

    /// <summary>Output height.</summary>
    public int Height { get; }

    /// <summary>Output width.</summary>
    public int Width { get; }

    /// <inheritdoc />
    public ImageShape OutputShape(ImageShape input)
    {
        if (input.Height < Height || input.Width < Width)
            throw new ArgumentException($"CenterCrop: cannot crop {Height} x {Width} from an image of shape {input}");
        return input with { Height = Height, Width = Width };
    }

    /// <summary>The top-left corner of the window in an image of shape <paramref name="input"/>.</summary>
    public (int Top, int Left) Offset(ImageShape input)
    {
        OutputShape(input);
        return ((int)Math.Round((input.Height - Height) / 2.0, MidpointRounding.ToEven),
                (int)Math.Round((input.Width - Width) / 2.0, MidpointRounding.ToEven));
    }

    /// <inheritdoc />
    public void Apply(ReadOnlySpan<float> input, Span<float> output, ImageShape shape, Generator generator)
    {
        TransformChecks.Spans("CenterCrop", input, output, shape, OutputShape(shape));
        var (top, left) = Offset(shape);
        int h = shape.Height, w = shape.Width;
        for (int c = 0; c < shape.Channels; c++)
            for (int y = 0; y < Height; y++)
                input.Slice((c * h + top + y) * w + left, Width).CopyTo(output.Slice((c * Height + y) * Width, Width));
    }
}

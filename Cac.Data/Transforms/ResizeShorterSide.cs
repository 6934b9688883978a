namespace Cac.Data;

/// <summary>
/// torchvision's Resize(size) with one int: the shorter side becomes <see cref="Size"/>, the longer one
/// floor(Size * long / short) (aspect ratio kept, rounded down as torchvision does), with <see cref="AntialiasedBilinear"/>
/// (PIL's bilinear kernel). An image whose shorter side is already Size is copied. Input (C, H, W) of any size, output
/// (C, H', W').
/// </summary>
public sealed class ResizeShorterSide : IImageTransform
{
    /// <summary>Creates the transform; <paramref name="size"/> positive (256 in the ImageNet evaluation recipe).</summary>
    public ResizeShorterSide(int size)
    {
        if (size <= 0) throw new ArgumentException($"ResizeShorterSide: size {size} must be positive");
        Size = size;
    }

    /// <summary>The shorter side of the output.</summary>
    public int Size { get; }

    /// <inheritdoc />
    public ImageShape OutputShape(ImageShape input)
    {
        if (input.Channels <= 0 || input.Height <= 0 || input.Width <= 0)
            throw new ArgumentException($"ResizeShorterSide: input shape {input} must be positive");
        int shorter = Math.Min(input.Height, input.Width), longer = Math.Max(input.Height, input.Width);
        int resized = (int)((double)Size * longer / shorter);
        return input.Width <= input.Height ? input with { Height = resized, Width = Size } : input with { Height = Size, Width = resized };
    }

    /// <inheritdoc />
    public void Apply(ReadOnlySpan<float> input, Span<float> output, ImageShape shape, Generator generator)
    {
        var outShape = OutputShape(shape);
        if (outShape == shape)
        {
            TransformChecks.Spans("ResizeShorterSide", input, output, shape, outShape);
            input.CopyTo(output);
            return;
        }
        AntialiasedBilinear.Resize(input, shape, CropBox.Whole(shape), output, outShape.Height, outShape.Width);
    }
}

namespace Cac.Data;

/// <summary>
/// Bilinear resize of every channel to <see cref="Height"/> x <see cref="Width"/>, with the pixel-centre convention of
/// PyTorch's interpolate(mode="bilinear", align_corners=False) and no antialiasing: output pixel (y, x) samples the
/// input at ((y + 0.5) * H / outH - 0.5, (x + 0.5) * W / outW - 0.5), clamped to the image.
/// Input (C, H, W), output (C, Height, Width).
/// </summary>
public sealed class Resize : IImageTransform
{
    /// <summary>Creates the transform; both sides positive.</summary>
    public Resize(int height, int width)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentException($"Resize: output size {height} x {width} must be positive");
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
        if (input.Channels <= 0 || input.Height <= 0 || input.Width <= 0)
            throw new ArgumentException($"Resize: input shape {input} must be positive");
        return input with { Height = Height, Width = Width };
    }

    /// <inheritdoc />
    public void Apply(ReadOnlySpan<float> input, Span<float> output, ImageShape shape, Generator generator) =>
        Bilinear(input, shape, output, Height, Width);

    /// <summary>Resizes <paramref name="input"/> (shape <paramref name="shape"/>) into <paramref name="output"/>, (C, outHeight, outWidth).</summary>
    public static void Bilinear(ReadOnlySpan<float> input, ImageShape shape, Span<float> output, int outHeight, int outWidth)
    {
        var outShape = new Resize(outHeight, outWidth).OutputShape(shape);
        TransformChecks.Spans("Resize", input, output, shape, outShape);
        int h = shape.Height, w = shape.Width;
        if (h == outHeight && w == outWidth) { input.CopyTo(output); return; }

        // Per output column: the two source columns and the weight of the second; likewise per row.
        var x0 = new int[outWidth];
        var x1 = new int[outWidth];
        var fx = new float[outWidth];
        SourceIndices(w, outWidth, x0, x1, fx);
        var y0 = new int[outHeight];
        var y1 = new int[outHeight];
        var fy = new float[outHeight];
        SourceIndices(h, outHeight, y0, y1, fy);

        for (int c = 0; c < shape.Channels; c++)
        {
            var src = input.Slice(c * h * w, h * w);
            var dst = output.Slice(c * outHeight * outWidth, outHeight * outWidth);
            for (int y = 0; y < outHeight; y++)
            {
                var top = src.Slice(y0[y] * w, w);
                var bottom = src.Slice(y1[y] * w, w);
                float b = fy[y], a = 1f - b;
                var row = dst.Slice(y * outWidth, outWidth);
                for (int x = 0; x < outWidth; x++)
                {
                    float r = fx[x], l = 1f - r;
                    row[x] = a * (l * top[x0[x]] + r * top[x1[x]]) + b * (l * bottom[x0[x]] + r * bottom[x1[x]]);
                }
            }
        }
    }

    // align_corners=False source coordinate of each output index, clamped at 0 below and at size - 1 above: the two taps
    // and the weight of the second (JointResize takes a mask's nearest pixel from them).
    internal static void SourceIndices(int size, int outSize, int[] i0, int[] i1, float[] frac)
    {
        float scale = (float)size / outSize;
        for (int o = 0; o < outSize; o++)
        {
            float s = Math.Max((o + 0.5f) * scale - 0.5f, 0f);
            int lo = Math.Min((int)s, size - 1);
            i0[o] = lo;
            i1[o] = Math.Min(lo + 1, size - 1);
            frac[o] = i1[o] == lo ? 0f : s - lo;
        }
    }
}

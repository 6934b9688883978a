namespace Cac.Data;

/// <summary>
/// torchvision's RandomResizedCrop(size, scale, ratio) with bilinear interpolation: picks a random box covering a
/// fraction in [scale.min, scale.max] of the image's area with an aspect ratio (width / height) log-uniform in
/// [ratio.min, ratio.max] (<see cref="SampleBox"/>), then resizes it to Size x Size with <see cref="AntialiasedBilinear"/>
/// (PIL's kernel, as torchvision applies it to the PIL images of the ImageNet recipe). Input (C, H, W) of any size,
/// output (C, Size, Size).
/// </summary>
public sealed class RandomResizedCrop : IImageTransform
{
    private const int Attempts = 10;

    /// <summary>Creates the transform; the defaults are the ImageNet recipe's (scale 0.08-1, ratio 3/4-4/3).</summary>
    public RandomResizedCrop(int size, double minScale = 0.08, double maxScale = 1.0, double minRatio = 3.0 / 4, double maxRatio = 4.0 / 3)
    {
        if (size <= 0) throw new ArgumentException($"RandomResizedCrop: size {size} must be positive");
        if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1))
            throw new ArgumentException($"RandomResizedCrop: scale range [{minScale}, {maxScale}] must satisfy 0 < min <= max <= 1");
        if (!(minRatio > 0 && minRatio <= maxRatio && double.IsFinite(maxRatio)))
            throw new ArgumentException($"RandomResizedCrop: ratio range [{minRatio}, {maxRatio}] must satisfy 0 < min <= max");
        Size = size;
        MinScale = minScale;
        MaxScale = maxScale;
        MinRatio = minRatio;
        MaxRatio = maxRatio;
    }

    /// <summary>Output height and width.</summary>
    public int Size { get; }

    /// <summary>Smallest fraction of the image's area a box covers.</summary>
    public double MinScale { get; }

    /// <summary>Largest fraction of the image's area a box covers.</summary>
    public double MaxScale { get; }

    /// <summary>Smallest aspect ratio (width / height) of a box.</summary>
    public double MinRatio { get; }

    /// <summary>Largest aspect ratio of a box.</summary>
    public double MaxRatio { get; }

    /// <inheritdoc />
    public ImageShape OutputShape(ImageShape input)
    {
        if (input.Channels <= 0 || input.Height <= 0 || input.Width <= 0)
            throw new ArgumentException($"RandomResizedCrop: input shape {input} must be positive");
        return input with { Height = Size, Width = Size };
    }

    /// <inheritdoc />
    public void Apply(ReadOnlySpan<float> input, Span<float> output, ImageShape shape, Generator generator)
    {
        OutputShape(shape); // validates before the draws
        var box = SampleBox(shape.Height, shape.Width, generator.NextDouble);
        AntialiasedBilinear.Resize(input, shape, box, output, Size, Size);
    }

    /// <summary>
    /// torchvision 0.14's RandomResizedCrop.get_params, drawing each random number u in [0, 1) from
    /// <paramref name="uniform"/>: up to 10 attempts of area fraction s = float32(min + (max - min) u) and aspect ratio
    /// r = exp(float32(log min + (log max - log min) u)) (float32 as torch's uniform_ and its float32 logs), width
    /// round(sqrt(H W s r)) and height round(sqrt(H W s / r)) (half to even, as Python); the first box that fits gets
    /// top = floor(u (H - h + 1)) and left = floor(u (W - w + 1)). When none fits: the centred box of the whole image,
    /// narrowed to the nearest allowed ratio when the image's own is outside the range.
    /// </summary>
    public CropBox SampleBox(int height, int width, Func<double> uniform)
    {
        if (height <= 0 || width <= 0) throw new ArgumentException($"RandomResizedCrop: image size {height} x {width} must be positive");
        double area = (double)height * width;
        double logMin = MathF.Log((float)MinRatio), logMax = MathF.Log((float)MaxRatio);
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            double target = area * (float)(MinScale + (MaxScale - MinScale) * uniform());
            double ratio = MathF.Exp((float)(logMin + (logMax - logMin) * uniform()));
            int w = (int)Math.Round(Math.Sqrt(target * ratio));
            int h = (int)Math.Round(Math.Sqrt(target / ratio));
            if (w > 0 && w <= width && h > 0 && h <= height)
            {
                int top = (int)(uniform() * (height - h + 1));
                int left = (int)(uniform() * (width - w + 1));
                return new CropBox(top, left, h, w);
            }
        }
        double own = (double)width / height;
        int boxHeight = height, boxWidth = width;
        if (own < MinRatio) boxHeight = (int)Math.Round(width / MinRatio);
        else if (own > MaxRatio) boxWidth = (int)Math.Round(height * MaxRatio);
        return new CropBox((height - boxHeight) / 2, (width - boxWidth) / 2, boxHeight, boxWidth);
    }
}

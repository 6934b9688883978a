namespace Cac.Data;

/// <summary>Mirrors the image left-right with probability p (one generator draw per image, flipped or not).</summary>
public sealed class RandomHorizontalFlip : IImageTransform
{
    /// <summary>Creates the transform; p in [0, 1].</summary>
    public RandomHorizontalFlip(double p = 0.5)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentException($"RandomHorizontalFlip: probability {p} is outside [0, 1]");
        P = p;
    }

    /// <summary>Probability of flipping.</summary>
    public double P { get; }

    /// <inheritdoc />
    public ImageShape OutputShape(ImageShape input) => input;

    /// <inheritdoc />
    public void Apply(ReadOnlySpan<float> input, Span<float> output, ImageShape shape, Generator generator)
    {
        TransformChecks.Spans("RandomHorizontalFlip", input, output, shape, shape);
        if (generator.NextDouble() < P) Flip(input, output, shape);
        else input.CopyTo(output);
    }

    /// <summary>Writes the mirror image of <paramref name="input"/>: out[c, y, x] = in[c, y, W - 1 - x].</summary>
    public static void Flip(ReadOnlySpan<float> input, Span<float> output, ImageShape shape)
    {
        TransformChecks.Spans("RandomHorizontalFlip.Flip", input, output, shape, shape);
        int w = shape.Width;
        for (int row = 0; row < shape.Channels * shape.Height; row++)
        {
            var src = input.Slice(row * w, w);
            var dst = output.Slice(row * w, w);
            for (int x = 0; x < w; x++) dst[x] = src[w - 1 - x];
        }
    }
}

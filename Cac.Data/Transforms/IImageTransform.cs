namespace Cac.Data;

/// <summary>
/// A transform of one image (C, H, W) as floats. Randomness comes only from the given generator, so a
/// seeded generator reproduces the result.
/// </summary>
public interface IImageTransform
{
    /// <summary>The output shape for an input of <paramref name="input"/>; throws ArgumentException when the transform cannot apply.</summary>
    ImageShape OutputShape(ImageShape input);

    /// <summary>
    /// Writes the transformed <paramref name="input"/> (shape <paramref name="shape"/>) to <paramref name="output"/>
    /// (shape <see cref="OutputShape"/>). The spans must not overlap.
    /// </summary>
    void Apply(ReadOnlySpan<float> input, Span<float> output, ImageShape shape, Generator generator);
}

/// <summary>Shared argument checks of the transforms.</summary>
internal static class TransformChecks
{
    public static void Spans(string op, ReadOnlySpan<float> input, Span<float> output, ImageShape shape, ImageShape outShape)
    {
        if (input.Length != shape.Length)
            throw new ArgumentException($"{op}: input has {input.Length} values, shape {shape} needs {shape.Length}");
        if (output.Length != outShape.Length)
            throw new ArgumentException($"{op}: output has {output.Length} values, shape {outShape} needs {outShape.Length}");
    }
}

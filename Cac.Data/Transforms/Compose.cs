using System.Buffers;

namespace Cac.Data;

/// <summary>Applies transforms in order (each one's output is the next one's input).</summary>
public sealed class Compose : IImageTransform
{
    private readonly IImageTransform[] _transforms;

    /// <summary>Creates the chain; an empty chain copies its input.</summary>
    public Compose(params IImageTransform[] transforms) => _transforms = (IImageTransform[])transforms.Clone();

    /// <summary>The given transforms in order, nulls left out, as one transform: null for none, the transform itself for one.</summary>
    public static IImageTransform? Chain(IEnumerable<IImageTransform?> transforms) =>
        transforms.OfType<IImageTransform>().ToArray() switch
        {
            [] => null,
            [var only] => only,
            var several => new Compose(several),
        };

    /// <summary>The transforms, in order.</summary>
    public IReadOnlyList<IImageTransform> Transforms => _transforms;

    /// <inheritdoc />
    public ImageShape OutputShape(ImageShape input)
    {
        foreach (var t in _transforms) input = t.OutputShape(input);
        return input;
    }

    /// <inheritdoc />
    public void Apply(ReadOnlySpan<float> input, Span<float> output, ImageShape shape, Generator generator)
    {
        TransformChecks.Spans("Compose", input, output, shape, OutputShape(shape));
        if (_transforms.Length == 0) { input.CopyTo(output); return; }
        if (_transforms.Length == 1) { _transforms[0].Apply(input, output, shape, generator); return; }

        // Intermediate results ping-pong between two pooled buffers; the last transform writes to output.
        int largest = shape.Length;
        var s = shape;
        foreach (var t in _transforms) { s = t.OutputShape(s); largest = Math.Max(largest, s.Length); }
        float[] a = ArrayPool<float>.Shared.Rent(largest), b = ArrayPool<float>.Shared.Rent(largest);
        try
        {
            ReadOnlySpan<float> current = input;
            var currentShape = shape;
            for (int i = 0; i < _transforms.Length; i++)
            {
                var next = _transforms[i].OutputShape(currentShape);
                Span<float> target = i == _transforms.Length - 1 ? output : (i % 2 == 0 ? a : b).AsSpan(0, next.Length);
                _transforms[i].Apply(current, target, currentShape, generator);
                current = target;
                currentShape = next;
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(a);
            ArrayPool<float>.Shared.Return(b);
        }
    }
}

namespace Cac.Data;

/// <summary>Per-channel normalisation, out[c] = (in[c] - mean[c]) / std[c]. One value applies to every channel.</summary>
public sealed class Normalize : IImageTransform
{
    private readonly float[] _mean, _std;

    /// <summary>Creates the transform; mean and std have one value or one per channel, std positive.</summary>
    public Normalize(IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        if (mean.Count == 0 || mean.Count != std.Count)
            throw new ArgumentException($"Normalize: mean has {mean.Count} values and std {std.Count}; they need the same, non-zero count");
        for (int i = 0; i < std.Count; i++)
            if (!(std[i] > 0) || !double.IsFinite(std[i]) || !double.IsFinite(mean[i]))
                throw new ArgumentException($"Normalize: channel {i} has mean {mean[i]}, std {std[i]}; std must be positive and both finite");
        _mean = mean.Select(m => (float)m).ToArray();
        _std = std.Select(s => (float)s).ToArray();
    }

    /// <summary>The per-channel means.</summary>
    public IReadOnlyList<float> Mean => _mean;

    /// <summary>The per-channel standard deviations.</summary>
    public IReadOnlyList<float> Std => _std;

    /// <inheritdoc />
    public ImageShape OutputShape(ImageShape input)
    {
        if (_mean.Length != 1 && _mean.Length != input.Channels)
            throw new ArgumentException($"Normalize: {_mean.Length} channel constants for an image of shape {input}");
        return input;
    }

    /// <inheritdoc />
    public void Apply(ReadOnlySpan<float> input, Span<float> output, ImageShape shape, Generator generator)
    {
        TransformChecks.Spans("Normalize", input, output, shape, OutputShape(shape));
        int plane = shape.Height * shape.Width;
        for (int c = 0; c < shape.Channels; c++)
        {
            float m = _mean[_mean.Length == 1 ? 0 : c], s = _std[_std.Length == 1 ? 0 : c];
            var src = input.Slice(c * plane, plane);
            var dst = output.Slice(c * plane, plane);
            for (int i = 0; i < plane; i++) dst[i] = (src[i] - m) / s;
        }
    }
}

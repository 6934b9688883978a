namespace Cac.Nn;

/// <summary>
/// A feature map split by frequency, as octave convolution carries it: <see cref="High"/> at full resolution,
/// (N, C_high, H, W), and <see cref="Low"/> at half resolution, (N, C_low, H/2, W/2), or null when there are no
/// low-frequency channels (before the first and after the last octave layer).
/// </summary>
public sealed record OctaveTensor(Tensor High, Tensor? Low = null)
{
    /// <summary>The high-frequency part, (N, C_high, H, W).</summary>
    public Tensor High { get; init; } = High ?? throw new ArgumentNullException(nameof(High));

    /// <summary>Branch-wise sum (a residual connection): both operands must have the same branches and shapes.</summary>
    public static OctaveTensor operator +(OctaveTensor a, OctaveTensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if ((a.Low is null) != (b.Low is null))
            throw new ArgumentException($"octave add: one operand has a low-frequency part and the other has none (high {Shape.Format(a.High.Dims)} vs {Shape.Format(b.High.Dims)})");
        return new OctaveTensor(Ops.Add(a.High, b.High), a.Low is null ? null : Ops.Add(a.Low, b.Low!));
    }

    /// <summary>
    /// Concatenates along the channels part by part, as a dense block concatenates octave maps: the high parts together,
    /// the low parts together (in order; a part without a low part adds no low channels; null when none has one).
    /// </summary>
    public static OctaveTensor Concat(IReadOnlyList<OctaveTensor> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0) throw new ArgumentException("octave concat: no part to concatenate");
        var lows = parts.Where(p => p.Low is not null).Select(p => p.Low!).ToList();
        return new OctaveTensor(Ops.Concat(parts.Select(p => p.High).ToList()), lows.Count == 0 ? null : Ops.Concat(lows));
    }

    /// <summary>Applies <paramref name="f"/> to each branch.</summary>
    public OctaveTensor Map(Func<Tensor, Tensor> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return new OctaveTensor(f(High), Low is null ? null : f(Low));
    }

    /// <summary>"high (N, C, H, W), low (N, C, H/2, W/2)" for messages.</summary>
    public string Describe() => $"high {Shape.Format(High.Dims)}, low {(Low is null ? "none" : Shape.Format(Low.Dims))}";
}

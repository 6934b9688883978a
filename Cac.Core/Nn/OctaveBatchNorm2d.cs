namespace Cac.Nn;

/// <summary>
/// Batch normalisation with separate statistics per frequency part: <c>bn_h</c> over the high-frequency
/// channels and <c>bn_l</c> over the low-frequency ones (absent when there are none). Channels split as
/// <see cref="OctaveChannels.Split"/>: low = floor(alpha * C).
/// </summary>
public sealed class OctaveBatchNorm2d : OctaveModule
{
    /// <summary>Creates the layer for <paramref name="channels"/> channels split by <paramref name="alpha"/>.</summary>
    public OctaveBatchNorm2d(int channels, double alpha = 0.5, double eps = 1e-5, double? momentum = 0.1)
        : this(OctaveChannels.Split(channels, alpha, nameof(OctaveBatchNorm2d)), eps, momentum)
    {
    }

    /// <summary>Creates the layer for an explicit split of the channels (high, low); low may be 0.</summary>
    public OctaveBatchNorm2d((int High, int Low) split, double eps = 1e-5, double? momentum = 0.1)
    {
        (HighChannels, LowChannels) = OctaveChannels.Check(split, nameof(OctaveBatchNorm2d));
        High = RegisterModule("bn_h", new BatchNorm2d(HighChannels, eps, momentum));
        if (LowChannels > 0) Low = RegisterModule("bn_l", new BatchNorm2d(LowChannels, eps, momentum));
    }

    /// <summary>High-frequency channels.</summary>
    public int HighChannels { get; }

    /// <summary>Low-frequency channels (0 when there is no low part).</summary>
    public int LowChannels { get; }

    /// <summary>Normalisation of the high-frequency part.</summary>
    public BatchNorm2d High { get; }

    /// <summary>Normalisation of the low-frequency part, or null without one.</summary>
    public BatchNorm2d? Low { get; }

    /// <inheritdoc />
    protected override OctaveTensor ForwardCore(OctaveTensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if ((x.Low is null) != (Low is null))
            throw new ArgumentException($"{nameof(OctaveBatchNorm2d)}: expected {(Low is null ? "no low-frequency part" : $"a low-frequency part with {LowChannels} channels")}, got {x.Describe()}");
        return new OctaveTensor(High.Forward(x.High), Low?.Forward(x.Low!));
    }

    /// <inheritdoc />
    protected override string ExtraRepr() => $"high={HighChannels}, low={LowChannels}";
}

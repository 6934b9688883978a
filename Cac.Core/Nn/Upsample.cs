namespace Cac.Nn;

/// <summary>
/// Resizes (N, C, H, W) inputs by a scale factor (output floor(H * scale)) or to a fixed size, as
/// torch.nn.Upsample, with nearest or bilinear interpolation.
/// </summary>
public sealed class Upsample : Module
{
    /// <summary>Resizes by <paramref name="scaleFactor"/> in both directions.</summary>
    public Upsample(double scaleFactor, UpsampleMode mode = UpsampleMode.Nearest, bool alignCorners = false)
    {
        if (!(scaleFactor > 0) || double.IsInfinity(scaleFactor)) throw new ArgumentException($"Upsample: scale factor must be positive, got {scaleFactor}");
        ScaleFactor = scaleFactor;
        Mode = mode;
        AlignCorners = alignCorners;
    }

    /// <summary>Resizes to (<paramref name="height"/>, <paramref name="width"/>).</summary>
    public Upsample(int height, int width, UpsampleMode mode = UpsampleMode.Nearest, bool alignCorners = false)
    {
        if (height <= 0 || width <= 0) throw new ArgumentException($"Upsample: size must be positive, got ({height}, {width})");
        Size = (height, width);
        Mode = mode;
        AlignCorners = alignCorners;
    }

    /// <summary>The scale factor, or null when a size is fixed.</summary>
    public double? ScaleFactor { get; }

    /// <summary>The fixed output size, or null when scaling.</summary>
    public (int Height, int Width)? Size { get; }

    /// <summary>Interpolation mode.</summary>
    public UpsampleMode Mode { get; }

    /// <summary>Bilinear only: align the corner pixels of input and output.</summary>
    public bool AlignCorners { get; }

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x)
    {
        if (x.Rank != 4) throw new ArgumentException($"Upsample expects a 4-D input (N, C, H, W), got shape {Shape.Format(x.Dims)}");
        var (h, w) = Size ?? ((int)Math.Floor(x.Dims[2] * ScaleFactor!.Value), (int)Math.Floor(x.Dims[3] * ScaleFactor!.Value));
        return Ops.Upsample(x, h, w, Mode, AlignCorners);
    }

    /// <inheritdoc />
    protected override string ExtraRepr()
    {
        var what = Size is { } s ? $"size={Repr.Pair(s.Height, s.Width)}" : $"scale_factor={Repr.Float(ScaleFactor!.Value)}";
        var mode = Mode == UpsampleMode.Nearest ? "nearest" : "bilinear";
        return $"{what}, mode='{mode}'" + (AlignCorners ? ", align_corners=True" : "");
    }
}

namespace Cac;

/// <summary>Interpolation modes of <see cref="Ops.Upsample"/>.</summary>
public enum UpsampleMode
{
    /// <summary>PyTorch's 'nearest': source index floor(dst * in / out).</summary>
    Nearest,
    /// <summary>Bilinear interpolation.</summary>
    Bilinear,
}

public static partial class Ops
{
    /// <summary>Resizes x: (N, C, H, W) to (N, C, outH, outW).</summary>
    public static Tensor Upsample(Tensor x, int outH, int outW, UpsampleMode mode = UpsampleMode.Nearest, bool alignCorners = false) =>
        throw new NotImplementedException("upsample: pending");
}

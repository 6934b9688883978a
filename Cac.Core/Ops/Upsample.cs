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
    /// <summary>
    /// Resizes x: (N, C, H, W) to (N, C, outH, outW), as PyTorch's interpolate with a size.
    /// <paramref name="alignCorners"/> applies to bilinear only (as in PyTorch, setting it with nearest is an error).
    /// </summary>
    public static Tensor Upsample(Tensor x, int outH, int outW, UpsampleMode mode = UpsampleMode.Nearest, bool alignCorners = false)
    {
        RequireRank(x, 4, "upsample", "(N, C, H, W)");
        RequireFloat(x, "upsample");
        int n = x.Dims[0], c = x.Dims[1], h = x.Dims[2], w = x.Dims[3];
        if (outH < 1 || outW < 1)
            throw new ArgumentException($"upsample: output size ({outH}, {outW}) must be positive (input shape {Shape.Format(x.Dims)})");
        if (h < 1 || w < 1)
            throw new ArgumentException($"upsample: input of shape {Shape.Format(x.Dims)} has an empty plane");
        if (alignCorners && mode == UpsampleMode.Nearest)
            throw new ArgumentException($"upsample: alignCorners can only be set with bilinear interpolation (input shape {Shape.Format(x.Dims)})");
        bool bilinear = mode == UpsampleMode.Bilinear;
        int planes = n * c;
        // y: (N, C, outH, outW)
        var y = Empty(x, n, c, outH, outW);
        x.Backend.Upsample2dForward(x.Storage, y.Storage, planes, h, w, outH, outW, bilinear, alignCorners);
        return Autograd.Record("upsample", y, [x], gy =>
        {
            var gx = Empty(x, x.Shape);
            x.Backend.Upsample2dBackward(gy.Storage, gx.Storage, planes, h, w, outH, outW, bilinear, alignCorners);
            return [gx];
        });
    }
}

namespace Cac;

public static partial class Ops
{
    /// <summary>Max pool. x: (N, C, H, W). Stride defaults to the kernel size; padding is -inf.</summary>
    public static Tensor MaxPool2d(Tensor x, int kernel, int? stride = null, int padding = 0)
    {
        var geometry = PoolGeometryOf(x, kernel, stride ?? kernel, padding, "max_pool2d");
        // y, indices: (N, C, Ho, Wo); indices hold the argmax's flat position within its (H, W) plane.
        var y = Empty(x, geometry.N, geometry.C, geometry.Ho, geometry.Wo);
        var indices = x.Backend.Allocate(DType.Int32, y.Numel);
        x.Backend.MaxPool2dForward(x.Storage, y.Storage, indices, geometry);
        return Autograd.Record("max_pool2d", y, [x], gy =>
        {
            var gx = Empty(x, x.Shape);
            x.Backend.MaxPool2dBackward(gy.Storage, indices, gx.Storage, geometry);
            return [gx];
        });
    }

    /// <summary>Average pool. x: (N, C, H, W). Stride defaults to the kernel size; zero padding counted when <paramref name="countIncludePad"/>.</summary>
    public static Tensor AvgPool2d(Tensor x, int kernel, int? stride = null, int padding = 0, bool countIncludePad = true)
    {
        var geometry = PoolGeometryOf(x, kernel, stride ?? kernel, padding, "avg_pool2d");
        // y: (N, C, Ho, Wo)
        var y = Empty(x, geometry.N, geometry.C, geometry.Ho, geometry.Wo);
        x.Backend.AvgPool2dForward(x.Storage, y.Storage, geometry, countIncludePad);
        return Autograd.Record("avg_pool2d", y, [x], gy =>
        {
            var gx = Empty(x, x.Shape);
            x.Backend.AvgPool2dBackward(gy.Storage, gx.Storage, geometry, countIncludePad);
            return [gx];
        });
    }

    /// <summary>Adaptive average pool to (outH, outW) with PyTorch's bin edges. (1, 1) is global average pooling.</summary>
    public static Tensor AdaptiveAvgPool2d(Tensor x, int outH, int outW)
    {
        RequireRank(x, 4, "adaptive_avg_pool2d", "(N, C, H, W)");
        RequireFloat(x, "adaptive_avg_pool2d");
        int n = x.Dims[0], c = x.Dims[1], h = x.Dims[2], w = x.Dims[3];
        if (outH < 1 || outW < 1)
            throw new ArgumentException($"adaptive_avg_pool2d: output size ({outH}, {outW}) must be positive (input shape {Shape.Format(x.Dims)})");
        if (h < 1 || w < 1)
            throw new ArgumentException($"adaptive_avg_pool2d: input of shape {Shape.Format(x.Dims)} has an empty plane");
        // y: (N, C, outH, outW); bin i spans [floor(i*H/outH), ceil((i+1)*H/outH)).
        var y = Empty(x, n, c, outH, outW);
        int planes = n * c;
        x.Backend.AdaptiveAvgPool2dForward(x.Storage, y.Storage, planes, h, w, outH, outW);
        return Autograd.Record("adaptive_avg_pool2d", y, [x], gy =>
        {
            var gx = Empty(x, x.Shape);
            x.Backend.AdaptiveAvgPool2dBackward(gy.Storage, gx.Storage, planes, h, w, outH, outW);
            return [gx];
        });
    }

    // Validates a pooling call as PyTorch does (positive kernel and stride, 0 <= padding <= kernel / 2,
    // a non-empty output) and returns its geometry. x: (N, C, H, W).
    private static PoolGeometry PoolGeometryOf(Tensor x, int kernel, int stride, int padding, string op)
    {
        RequireRank(x, 4, op, "(N, C, H, W)");
        RequireFloat(x, op);
        if (kernel < 1 || stride < 1)
            throw new ArgumentException($"{op}: kernel ({kernel}) and stride ({stride}) must be positive (input shape {Shape.Format(x.Dims)})");
        if (padding < 0 || padding > kernel / 2)
            throw new ArgumentException($"{op}: padding {padding} must be between 0 and half the kernel size {kernel} (input shape {Shape.Format(x.Dims)})");
        var geometry = new PoolGeometry(x.Dims[0], x.Dims[1], x.Dims[2], x.Dims[3], kernel, kernel, stride, stride, padding, padding);
        if (geometry.H + 2 * padding < kernel || geometry.W + 2 * padding < kernel)
            throw new ArgumentException($"{op}: kernel {kernel} with padding {padding} does not fit the input of shape {Shape.Format(x.Dims)}");
        return geometry;
    }
}

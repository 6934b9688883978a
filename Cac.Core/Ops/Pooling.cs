namespace Cac;

public static partial class Ops
{
    /// <summary>Max pool. x: (N, C, H, W). Stride defaults to the kernel size; padding is -inf.</summary>
    public static Tensor MaxPool2d(Tensor x, int kernel, int? stride = null, int padding = 0) =>
        throw new NotImplementedException("max_pool2d: pending");

    /// <summary>Average pool. x: (N, C, H, W). Stride defaults to the kernel size; zero padding counted when <paramref name="countIncludePad"/>.</summary>
    public static Tensor AvgPool2d(Tensor x, int kernel, int? stride = null, int padding = 0, bool countIncludePad = true) =>
        throw new NotImplementedException("avg_pool2d: pending");

    /// <summary>Adaptive average pool to (outH, outW) with PyTorch's bin edges. (1, 1) is global average pooling.</summary>
    public static Tensor AdaptiveAvgPool2d(Tensor x, int outH, int outW) =>
        throw new NotImplementedException("adaptive_avg_pool2d: pending");
}

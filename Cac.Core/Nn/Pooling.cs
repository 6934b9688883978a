namespace Cac.Nn;

/// <summary>Max pooling, as torch.nn.MaxPool2d (floor mode). x: (N, C, H, W). Stride defaults to the kernel size.</summary>
public sealed class MaxPool2d(int kernelSize, int? stride = null, int padding = 0) : Module
{
    /// <summary>Window size.</summary>
    public int KernelSize { get; } = kernelSize;

    /// <summary>Step between windows.</summary>
    public int Stride { get; } = stride ?? kernelSize;

    /// <summary>Implicit -inf padding on every side.</summary>
    public int Padding { get; } = padding;

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x) => Ops.MaxPool2d(x, KernelSize, Stride, Padding);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"kernel_size={KernelSize}, stride={Stride}, padding={Padding}, dilation=1, ceil_mode=False";
}

/// <summary>Average pooling, as torch.nn.AvgPool2d (floor mode). x: (N, C, H, W). Stride defaults to the kernel size.</summary>
public sealed class AvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool countIncludePad = true) : Module
{
    /// <summary>Window size.</summary>
    public int KernelSize { get; } = kernelSize;

    /// <summary>Step between windows.</summary>
    public int Stride { get; } = stride ?? kernelSize;

    /// <summary>Implicit zero padding on every side.</summary>
    public int Padding { get; } = padding;

    /// <summary>Whether padded zeros count in the divisor (PyTorch's default).</summary>
    public bool CountIncludePad { get; } = countIncludePad;

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x) => Ops.AvgPool2d(x, KernelSize, Stride, Padding, CountIncludePad);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"kernel_size={KernelSize}, stride={Stride}, padding={Padding}";
}

/// <summary>Adaptive average pooling to a fixed output size, as torch.nn.AdaptiveAvgPool2d. x: (N, C, H, W) -> (N, C, OutH, OutW).</summary>
public sealed class AdaptiveAvgPool2d : Module
{
    /// <summary>Pools to (outH, outW).</summary>
    public AdaptiveAvgPool2d(int outH, int outW)
    {
        if (outH <= 0 || outW <= 0) throw new ArgumentException($"AdaptiveAvgPool2d: output size must be positive, got ({outH}, {outW})");
        OutH = outH;
        OutW = outW;
    }

    /// <summary>Pools to (size, size); 1 is global average pooling.</summary>
    public AdaptiveAvgPool2d(int size) : this(size, size)
    {
    }

    /// <summary>Output height.</summary>
    public int OutH { get; }

    /// <summary>Output width.</summary>
    public int OutW { get; }

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x) => Ops.AdaptiveAvgPool2d(x, OutH, OutW);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"output_size={Repr.Pair(OutH, OutW)}";
}

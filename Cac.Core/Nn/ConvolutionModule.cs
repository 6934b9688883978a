namespace Cac.Nn;

/// <summary>
/// What <see cref="Conv2d"/> and <see cref="ContentAwareConv2d"/> share: the square-kernel geometry, the parameters
/// <c>weight</c> (OutChannels, InChannels/Groups, K, K) and <c>bias</c> (OutChannels) registered and initialised like
/// PyTorch (U(-1/sqrt(fan_in), 1/sqrt(fan_in))), and the torch-style description of the geometry.
/// </summary>
public abstract class ConvolutionModule : Module
{
    /// <summary>Validates the geometry (errors name <paramref name="layer"/>) and registers weight and bias, drawn from <paramref name="generator"/> (or <see cref="Generator.Default"/>).</summary>
    protected ConvolutionModule(string layer, int inChannels, int outChannels, int kernelSize, int stride, int padding, int dilation,
        int groups, bool bias, Generator? generator)
    {
        ConvArguments.CheckLayer(layer, inChannels, outChannels, kernelSize, stride, padding, dilation, groups);
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Dilation = dilation;
        Groups = groups;
        (Weight, Bias) = ConvParameters.RegisterDefault(RegisterParameter, inChannels, outChannels, kernelSize, groups, bias,
            generator ?? Generator.Default);
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Kernel height and width.</summary>
    public int KernelSize { get; }

    /// <summary>Stride in both directions.</summary>
    public int Stride { get; }

    /// <summary>Zero padding on every side.</summary>
    public int Padding { get; }

    /// <summary>Dilation in both directions.</summary>
    public int Dilation { get; }

    /// <summary>Number of channel groups.</summary>
    public int Groups { get; }

    /// <summary>Weight: (OutChannels, InChannels/Groups, KernelSize, KernelSize).</summary>
    public Tensor Weight { get; }

    /// <summary>Bias: (OutChannels), or null when created with bias: false.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc />
    protected override string ExtraRepr()
    {
        var s = $"{InChannels}, {OutChannels}, kernel_size={Repr.Pair(KernelSize, KernelSize)}, stride={Repr.Pair(Stride, Stride)}";
        if (Padding != 0) s += $", padding={Repr.Pair(Padding, Padding)}";
        if (Dilation != 1) s += $", dilation={Repr.Pair(Dilation, Dilation)}";
        if (Groups != 1) s += $", groups={Groups}";
        if (Bias is null) s += ", bias=False";
        return s;
    }
}

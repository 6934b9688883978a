namespace Cac.Nn;

/// <summary>
/// 2-D convolution layer, as torch.nn.Conv2d with square kernel, stride, padding and dilation.
/// x: (N, InChannels, H, W) -> (N, OutChannels, Ho, Wo). Weight: (OutChannels, InChannels/Groups, K, K).
/// Initialised like PyTorch: weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
/// </summary>
public sealed class Conv2d : Module
{
    /// <summary>Creates the layer; parameters are drawn from <paramref name="generator"/> (or <see cref="Generator.Default"/>).</summary>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1,
        int groups = 1, bool bias = true, Generator? generator = null)
    {
        ConvParameters.Validate("Conv2d", inChannels, outChannels, kernelSize, stride, padding, dilation, groups);
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

    /// <summary>x: (N, InChannels, H, W) -> (N, OutChannels, Ho, Wo). Reports Cin * Cout * k * k * Ho * Wo / groups MAdds per sample to an open <see cref="Madds.MaddsScope"/>.</summary>
    public override Tensor Forward(Tensor x)
    {
        var y = Ops.Conv2d(x, Weight, Bias, Stride, Padding, Dilation, Groups);
        if (Madds.MaddsScope.IsRecording)
            Madds.MaddsScope.Report(this, Madds.MaddsFormulas.Conv2d(InChannels, OutChannels, KernelSize, y.Dims[2], y.Dims[3], Groups));
        return y;
    }

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

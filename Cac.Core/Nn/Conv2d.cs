namespace Cac.Nn;

/// <summary>
/// 2-D convolution layer, as torch.nn.Conv2d with square kernel, stride, padding and dilation.
/// x: (N, InChannels, H, W) -> (N, OutChannels, Ho, Wo). Weight: (OutChannels, InChannels/Groups, K, K).
/// Initialised like PyTorch: weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
/// </summary>
public sealed class Conv2d : ConvolutionModule
{
    /// <summary>Creates the layer; parameters are drawn from <paramref name="generator"/> (or <see cref="Generator.Default"/>).</summary>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1,
        int groups = 1, bool bias = true, Generator? generator = null)
        : base("Conv2d", inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias, generator)
    {
    }

    /// <summary>x: (N, InChannels, H, W) -> (N, OutChannels, Ho, Wo). Reports Cin * Cout * k * k * Ho * Wo / groups MAdds per sample to an open <see cref="Madds.MaddsScope"/>.</summary>
    public override Tensor Forward(Tensor x)
    {
        var y = Ops.Conv2d(x, Weight, Bias, Stride, Padding, Dilation, Groups);
        if (Madds.MaddsScope.IsRecording)
            Madds.MaddsScope.Report(this, Madds.MaddsFormulas.Conv2d(InChannels, OutChannels, KernelSize, y.Dims[2], y.Dims[3], Groups));
        return y;
    }
}

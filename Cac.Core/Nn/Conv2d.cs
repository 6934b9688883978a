namespace Cac.Nn;

/// <summary>
/// 2-D convolution layer, as torch.nn.Conv2d with square kernel, stride, padding and dilation.
/// x: (N, InChannels, H, W) -> (N, OutChannels, Ho, Wo). Weight: (OutChannels, InChannels/Groups, K, K).
/// Initialised like PyTorch: weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
/// </summary>
public sealed class Conv2d : ConvolutionModule, Madds.IMaddsCounted
{
    /// <summary>Creates the layer; parameters are drawn from <paramref name="generator"/> (or <see cref="Generator.Default"/>).</summary>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1,
        int groups = 1, bool bias = true, Generator? generator = null)
        : base("Conv2d", inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias, generator)
    {
    }

    /// <summary>x: (N, InChannels, H, W) -> (N, OutChannels, Ho, Wo).</summary>
    protected override Tensor ForwardCore(Tensor x) => Ops.Conv2d(x, Weight, Bias, Stride, Padding, Dilation, Groups);

    /// <summary>Cin * Cout * k * k * Ho * Wo / groups per sample, Ho and Wo from <paramref name="output"/> (N, Cout, Ho, Wo).</summary>
    public double Madds(Tensor input, Tensor output) =>
        Cac.Madds.MaddsFormulas.Conv2d(InChannels, OutChannels, KernelSize, output.Dims[2], output.Dims[3], Groups);
}

using Cac.Madds;

namespace Cac.Nn;

/// <summary>
/// A convolution layer that can be told to run only on a region (<see cref="Ops.RegionConv2d"/>, the region convolution of
/// Li et al., CVPR 2017): while <see cref="Region"/> is null it is the dense <see cref="Conv2d"/>; with a region
/// (N, 1, Ho, Wo), its output is computed at the positions where the region is &gt; 0 and is zero elsewhere. The owner of
/// the layer (a cascade model) sets the region before a forward and clears it after. Same parameters, names and
/// initialisation as <see cref="Conv2d"/>, so a checkpoint of the dense model loads as it is.
/// MAdds: Omega_conv times the share of region positions of the call (<see cref="LastRegionRatio"/>).
/// </summary>
public sealed class RegionConv2d : ConvolutionModule, IMaddsCounted
{
    /// <summary>Creates the layer; parameters are drawn from <paramref name="generator"/> (or <see cref="Generator.Default"/>).</summary>
    public RegionConv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1,
        int groups = 1, bool bias = true, Generator? generator = null)
        : base("RegionConv2d", inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias, generator)
    {
    }

    /// <summary>The positions to compute, (N, 1, Ho, Wo) in the input's dtype (&gt; 0: computed), or null for all of them.</summary>
    public Tensor? Region { get; set; }

    /// <summary>The share of output positions the last forward computed (1 without a region).</summary>
    public double LastRegionRatio { get; private set; } = 1;

    /// <summary>x: (N, InChannels, H, W) -> (N, OutChannels, Ho, Wo), zero outside <see cref="Region"/>.</summary>
    protected override Tensor ForwardCore(Tensor x)
    {
        if (Region is null)
        {
            LastRegionRatio = 1;
            return Ops.Conv2d(x, Weight, Bias, Stride, Padding, Dilation, Groups);
        }
        LastRegionRatio = Region.ToDoubleArray().Count(v => v > 0) / (double)Region.Numel;
        return Ops.RegionConv2d(x, Weight, Bias, Region, Stride, Padding, Dilation, Groups);
    }

    /// <summary>Omega_conv * <see cref="LastRegionRatio"/> per sample, Ho and Wo from <paramref name="output"/> (N, Cout, Ho, Wo).</summary>
    public double Madds(Tensor input, Tensor output) =>
        MaddsFormulas.Conv2d(InChannels, OutChannels, KernelSize, output.Dims[2], output.Dims[3], Groups) * LastRegionRatio;
}

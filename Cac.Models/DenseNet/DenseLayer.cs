using Cac.Nn;

namespace Cac.Models.DenseNet;

/// <summary>
/// torchvision's _DenseLayer (DenseNet-BC bottleneck layer): norm1 -> relu1 -> conv1 (1x1, bnSize * growth channels)
/// -> norm2 -> relu2 -> conv2 (3x3, growth channels). Its input is the concatenation of every earlier feature map of
/// the block; its output is the growth channels appended to it. The 3x3 convolution's kind comes from a
/// <see cref="ConvFactory"/>; the 1x1 is always standard. No dropout (torchvision's default drop_rate = 0).
/// <para>
/// Octave: with alpha &gt; 0 the bottleneck and the output split by alpha (<see cref="OctaveChannels.Split"/>), and the
/// input by whatever split the block's concatenation has (<see cref="SplitLayers"/>): conv1 and conv2 are octave
/// convolutions, norms and ReLUs per part. With alpha = 0 and a plain input every layer is the plain one.
/// </para>
/// </summary>
public sealed class DenseLayer : OctaveModule
{
    private readonly Module _norm1, _conv1, _norm2, _conv2;

    /// <summary>
    /// Creates a layer from an input split (high, low) to <paramref name="growthRate"/> channels split by
    /// <paramref name="alpha"/> (0: no low part), the bottleneck (bnSize * growthRate channels) split likewise.
    /// </summary>
    public DenseLayer((int High, int Low) input, int growthRate, int bnSize, double alpha, ConvFactory convs)
    {
        ArgumentNullException.ThrowIfNull(convs);
        var bottleneck = SplitLayers.Split(bnSize * growthRate, alpha);
        Output = SplitLayers.Split(growthRate, alpha);
        _norm1 = RegisterModule("norm1", SplitLayers.Norm(input));
        RegisterModule("relu1", SplitLayers.Relu(input));
        _conv1 = RegisterModule("conv1", SplitLayers.Conv(convs, input, bottleneck, 1, 1, 0));
        _norm2 = RegisterModule("norm2", SplitLayers.Norm(bottleneck));
        RegisterModule("relu2", SplitLayers.Relu(bottleneck));
        _conv2 = RegisterModule("conv2", SplitLayers.Conv(convs, bottleneck, Output, 3, 1, 1));
    }

    /// <summary>The split of the new features: (high, low) channels.</summary>
    public (int High, int Low) Output { get; }

    /// <summary>
    /// x: the block's features so far, high (N, C_high, H, W) and low (N, C_low, H/2, W/2) or none -> the new features,
    /// high (N, Output.High, H, W) and low (N, Output.Low, H/2, W/2) or none.
    /// </summary>
    protected override OctaveTensor ForwardCore(OctaveTensor x)
    {
        var h = OctaveModule.Run(_conv1, SplitLayers.NormRelu(_norm1, x));
        return OctaveModule.Run(_conv2, SplitLayers.NormRelu(_norm2, h));
    }
}

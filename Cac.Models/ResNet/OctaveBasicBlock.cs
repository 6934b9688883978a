using Cac.Nn;

namespace Cac.Models.ResNet;

/// <summary>
/// The basic block with octave convolutions: octconv3x3 -> BN -> ReLU -> octconv3x3 -> BN, plus the shortcut, then
/// ReLU, each normalisation and activation separate per frequency part. The first convolution maps the input split
/// (alpha_in) to alpha = 0.5, the second maps 0.5 to the output split (alpha_out). When the shape changes (stride,
/// channels or split) the shortcut projects both parts: an octave 1x1 convolution with standard path convolutions,
/// then octave BN. Parameter names: conv1.h2h.weight ..., bn1.bn_h.weight ..., shortcut.0.h2h.weight, shortcut.1.bn_h.weight.
/// </summary>
public sealed class OctaveBasicBlock : OctaveResidualBasicBlock
{
    /// <summary>The split of the features between the two convolutions.</summary>
    public const double InnerAlpha = 0.5;

    /// <summary>Creates a block from (inChannels split by alphaIn, H) to (outChannels split by alphaOut, H/stride).</summary>
    public OctaveBasicBlock(int inChannels, int outChannels, int stride, double alphaIn, double alphaOut, ConvFactory convs)
        : base(inChannels, outChannels, stride, alphaIn, InnerAlpha, alphaOut, convs, "shortcut", "a BasicBlock")
    {
    }
}

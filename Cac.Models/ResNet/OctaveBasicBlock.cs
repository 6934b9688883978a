using Cac.Nn;

namespace Cac.Models.ResNet;

/// <summary>
/// The basic block with octave convolutions: octconv3x3 -> BN -> ReLU -> octconv3x3 -> BN, plus the shortcut, then
/// ReLU, each normalisation and activation separate per frequency part. The first convolution maps the input split
/// (alpha_in) to alpha_mid (0.5 by default), the second maps alpha_mid to the output split (alpha_out). When the shape changes (stride,
/// channels or split) the shortcut projects both parts: an octave 1x1 convolution with standard path convolutions,
/// then octave BN. Parameter names: conv1.h2h.weight ..., bn1.bn_h.weight ..., shortcut.0.h2h.weight, shortcut.1.bn_h.weight.
/// </summary>
public sealed class OctaveBasicBlock : OctaveResidualBasicBlock
{
    /// <summary>The default split of the features between the two convolutions.</summary>
    public const double InnerAlpha = 0.5;

    /// <summary>
    /// Creates a block from (inChannels split by alphaIn, H) to (outChannels split by alphaOut, H/stride), the features
    /// between the two convolutions split by <paramref name="alphaMid"/>.
    /// </summary>
    public OctaveBasicBlock(int inChannels, int outChannels, int stride, double alphaIn, double alphaOut, ConvFactory convs, double alphaMid = InnerAlpha)
        : base(inChannels, outChannels, stride, alphaIn, alphaMid, alphaOut, convs, "shortcut", "a BasicBlock")
    {
    }
}

using Cac.Nn;

namespace Cac.Models.ResNet;

/// <summary>
/// torchvision's BasicBlock with octave convolutions: octconv3x3(stride) -> BN -> ReLU -> octconv3x3 -> BN, plus the
/// shortcut, then ReLU, each normalisation and activation separate per frequency part. conv1 maps the input split
/// alpha_in to alpha_mid, conv2 maps alpha_mid to alpha_out (0 everywhere: a plain block carried as an octave tensor).
/// When the shape or split changes, <c>downsample</c> projects both parts: an octave 1x1 conv (standard path convs),
/// then octave BN. Parameter names: conv1.h2h.weight ..., bn1.bn_h.weight ..., downsample.0.h2l.weight, downsample.1.bn_l.bias.
/// </summary>
public sealed class OctaveImageNetBasicBlock : OctaveResidualBasicBlock
{
    /// <summary>Creates a block from (inChannels split by alphaIn, H) to (planes split by alphaOut, H/stride).</summary>
    public OctaveImageNetBasicBlock(int inChannels, int planes, int stride, double alphaIn, double alphaMid, double alphaOut, ConvFactory convs)
        : base(inChannels, planes, stride, alphaIn, alphaMid, alphaOut, convs, "downsample", "an ImageNetBasicBlock")
    {
    }
}

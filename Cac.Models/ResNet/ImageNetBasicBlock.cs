using Cac.Nn;

namespace Cac.Models.ResNet;

/// <summary>
/// torchvision's BasicBlock (ResNet-18/34): conv3x3(stride) -> BN -> ReLU -> conv3x3 -> BN, plus the shortcut
/// (identity, or <c>downsample</c> = 1x1 conv(stride) + BN when the shape changes), then ReLU. The 3x3 convolutions
/// come from a <see cref="ConvFactory"/>; the projection is always a standard conv. Parameter names match
/// torchvision: conv1, bn1, conv2, bn2, downsample.0, downsample.1.
/// </summary>
public sealed class ImageNetBasicBlock : ResidualBasicBlock
{
    /// <summary>Output channels per unit of <c>planes</c> (1: a basic block does not expand).</summary>
    public const int Expansion = 1;

    /// <summary>
    /// Creates a block mapping (N, inChannels, H, W) to (N, planes, H/stride, W/stride); both 3x3 convolutions have
    /// <paramref name="dilation"/> (a dilated stage of a segmentation backbone).
    /// </summary>
    public ImageNetBasicBlock(int inChannels, int planes, int stride, ConvFactory convs, int dilation = 1)
        : base(inChannels, planes * Expansion, stride, convs, "downsample", "OctaveImageNetBasicBlock", dilation)
    {
    }
}

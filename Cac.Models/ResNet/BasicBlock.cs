using Cac.Nn;

namespace Cac.Models.ResNet;

/// <summary>
/// The two-layer residual block of CIFAR ResNets: conv3x3 -> BN -> ReLU -> conv3x3 -> BN, plus the
/// shortcut (identity, or a 1x1 conv + BN projection when the shape changes: option B), then ReLU.
/// The 3x3 convolutions come from a <see cref="ConvFactory"/>; the projection is always a standard conv.
/// Parameter names match PyTorch: conv1, bn1, conv2, bn2, shortcut.0 (conv), shortcut.1 (BN).
/// </summary>
public sealed class BasicBlock : ResidualBasicBlock
{
    /// <summary>Creates a block mapping (N, inChannels, H, W) to (N, outChannels, H/stride, W/stride).</summary>
    public BasicBlock(int inChannels, int outChannels, int stride, ConvFactory convs)
        : base(inChannels, outChannels, stride, convs, "shortcut", "OctaveBasicBlock")
    {
    }

    /// <summary>Creates a block with standard convolutions drawn from <paramref name="generator"/>.</summary>
    public BasicBlock(int inChannels, int outChannels, int stride, Generator generator)
        : this(inChannels, outChannels, stride, new ConvFactory(ConvType.Standard, generator))
    {
    }
}

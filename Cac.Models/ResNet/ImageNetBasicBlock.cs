using Cac.Nn;

namespace Cac.Models.ResNet;

/// <summary>
/// torchvision's BasicBlock (ResNet-18/34): conv3x3(stride) -> BN -> ReLU -> conv3x3 -> BN, plus the shortcut
/// (identity, or <c>downsample</c> = 1x1 conv(stride) + BN when the shape changes), then ReLU. The 3x3 convolutions
/// come from a <see cref="ConvFactory"/>; the projection is always a standard conv. Parameter names match
/// torchvision: conv1, bn1, conv2, bn2, downsample.0, downsample.1.
/// </summary>
public sealed class ImageNetBasicBlock : Module
{
    /// <summary>Output channels per unit of <c>planes</c> (1: a basic block does not expand).</summary>
    public const int Expansion = 1;

    private readonly Module _conv1, _conv2;
    private readonly BatchNorm2d _bn1, _bn2;
    private readonly Sequential? _downsample;

    /// <summary>Creates a block mapping (N, inChannels, H, W) to (N, planes, H/stride, W/stride).</summary>
    public ImageNetBasicBlock(int inChannels, int planes, int stride, ConvFactory convs)
    {
        ArgumentNullException.ThrowIfNull(convs);
        if (convs.IsOctave) throw new ArgumentException($"ImageNetBasicBlock: {convs.Type} convolutions need an OctaveImageNetBasicBlock");
        _conv1 = RegisterModule("conv1", convs.Conv3x3(inChannels, planes, stride));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(planes));
        _conv2 = RegisterModule("conv2", convs.Conv3x3(planes, planes, 1));
        _bn2 = RegisterModule("bn2", new BatchNorm2d(planes));
        if (stride != 1 || inChannels != planes * Expansion)
            _downsample = RegisterModule("downsample", new Sequential(
                convs.Conv1x1(inChannels, planes * Expansion, stride),
                new BatchNorm2d(planes * Expansion)));
    }

    /// <summary>x: (N, inChannels, H, W) -> (N, planes, H/stride, W/stride).</summary>
    public override Tensor Forward(Tensor x)
    {
        var h = Ops.Relu(_bn1.Forward(_conv1.Forward(x)));
        h = _bn2.Forward(_conv2.Forward(h));
        var skip = _downsample is null ? x : _downsample.Forward(x);
        return Ops.Relu(h + skip);
    }
}

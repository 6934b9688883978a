using Cac.Nn;

namespace Cac.Models.ResNet;

/// <summary>
/// The two-layer residual block of CIFAR ResNets: conv3x3 -> BN -> ReLU -> conv3x3 -> BN, plus the
/// shortcut (identity, or a 1x1 conv + BN projection when the shape changes: option B), then ReLU.
/// The 3x3 convolutions come from a <see cref="ConvFactory"/>; the projection is always a standard conv.
/// Parameter names match PyTorch: conv1, bn1, conv2, bn2, shortcut.0 (conv), shortcut.1 (BN).
/// </summary>
public sealed class BasicBlock : Module
{
    private readonly Module _conv1, _conv2;
    private readonly BatchNorm2d _bn1, _bn2;
    private readonly Sequential? _shortcut;

    /// <summary>Creates a block mapping (N, inChannels, H, W) to (N, outChannels, H/stride, W/stride).</summary>
    public BasicBlock(int inChannels, int outChannels, int stride, ConvFactory convs)
    {
        ArgumentNullException.ThrowIfNull(convs);
        if (convs.IsOctave) throw new ArgumentException($"BasicBlock: {convs.Type} convolutions need an OctaveBasicBlock");
        _conv1 = RegisterModule("conv1", convs.Conv3x3(inChannels, outChannels, stride));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(outChannels));
        _conv2 = RegisterModule("conv2", convs.Conv3x3(outChannels, outChannels, 1));
        _bn2 = RegisterModule("bn2", new BatchNorm2d(outChannels));
        if (stride != 1 || inChannels != outChannels)
            _shortcut = RegisterModule("shortcut", new Sequential(
                convs.Conv1x1(inChannels, outChannels, stride),
                new BatchNorm2d(outChannels)));
    }

    /// <summary>Creates a block with standard convolutions drawn from <paramref name="generator"/>.</summary>
    public BasicBlock(int inChannels, int outChannels, int stride, Generator generator)
        : this(inChannels, outChannels, stride, new ConvFactory(ConvType.Standard, generator))
    {
    }

    /// <summary>x: (N, inChannels, H, W) -> (N, outChannels, H/stride, W/stride).</summary>
    public override Tensor Forward(Tensor x)
    {
        var h = Ops.Relu(_bn1.Forward(_conv1.Forward(x)));
        h = _bn2.Forward(_conv2.Forward(h));
        var skip = _shortcut is null ? x : _shortcut.Forward(x);
        return Ops.Relu(h + skip);
    }
}

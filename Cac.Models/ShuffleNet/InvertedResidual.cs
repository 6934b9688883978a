using Cac.Nn;

namespace Cac.Models.ShuffleNet;

/// <summary>
/// ShuffleNetV2's unit, as torchvision's InvertedResidual. Stride 1: the channels split in two halves (Narrow), the
/// first passes through and the second goes through <c>branch2</c>; stride 2: both branches see the whole input
/// (<c>branch1</c> = depthwise 3x3/2 -> BN -> 1x1 -> BN -> ReLU). branch2 = 1x1 -> BN -> ReLU -> depthwise 3x3 -> BN ->
/// 1x1 -> BN -> ReLU. The halves are concatenated and channel-shuffled with 2 groups. The depthwise 3x3 convolutions
/// come from a <see cref="ConvFactory"/> (content-aware in CAC models); the 1x1 convolutions are always standard.
/// Parameter names match torchvision: branch1.0 (dw), branch1.1, branch1.2, branch1.3, branch2.0, branch2.1,
/// branch2.3 (dw), branch2.4, branch2.5, branch2.6.
/// </summary>
public sealed class InvertedResidual : Module
{
    private readonly Sequential? _branch1;
    private readonly Sequential _branch2;

    /// <summary>Creates a unit mapping (N, inChannels, H, W) to (N, outChannels, H/stride, W/stride).</summary>
    public InvertedResidual(int inChannels, int outChannels, int stride, ConvFactory convs)
    {
        ArgumentNullException.ThrowIfNull(convs);
        if (convs.IsOctave) throw new ArgumentException($"InvertedResidual: {convs.Type} convolutions are not supported (ShuffleNetV2 has no octave variant)");
        if (stride is not (1 or 2)) throw new ArgumentException($"InvertedResidual: stride must be 1 or 2, got {stride}");
        if (outChannels % 2 != 0) throw new ArgumentException($"InvertedResidual: output channels must be even, got {outChannels}");
        if (stride == 1 && inChannels != outChannels)
            throw new ArgumentException($"InvertedResidual: with stride 1 the input and output channels must agree, got {inChannels} and {outChannels}");
        int branch = outChannels / 2;
        Stride = stride;
        if (stride > 1)
            _branch1 = RegisterModule("branch1", new Sequential(
                convs.Depthwise3x3(inChannels, stride),
                new BatchNorm2d(inChannels),
                convs.Conv1x1(inChannels, branch),
                new BatchNorm2d(branch),
                new ReLU()));
        _branch2 = RegisterModule("branch2", new Sequential(
            convs.Conv1x1(stride > 1 ? inChannels : branch, branch),
            new BatchNorm2d(branch),
            new ReLU(),
            convs.Depthwise3x3(branch, stride),
            new BatchNorm2d(branch),
            convs.Conv1x1(branch, branch),
            new BatchNorm2d(branch),
            new ReLU()));
    }

    /// <summary>1 (split, half the channels pass through) or 2 (both branches, halves the resolution).</summary>
    public int Stride { get; }

    /// <summary>x: (N, inChannels, H, W) -> (N, outChannels, H/stride, W/stride).</summary>
    protected override Tensor ForwardCore(Tensor x)
    {
        Tensor y;
        if (_branch1 is null)
        {
            int half = x.Dims[1] / 2;
            y = Ops.Concat([Ops.Narrow(x, 1, 0, half), _branch2.Forward(Ops.Narrow(x, 1, half, half))]);
        }
        else
            y = Ops.Concat([_branch1.Forward(x), _branch2.Forward(x)]);
        return Ops.ChannelShuffle(y, 2);
    }
}

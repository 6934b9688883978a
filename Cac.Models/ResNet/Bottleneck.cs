using Cac.Nn;

namespace Cac.Models.ResNet;

/// <summary>
/// torchvision's Bottleneck (ResNet-50/101/152, "v1.5": the stride sits on the 3x3 convolution):
/// conv1x1 -> BN -> ReLU -> conv3x3(stride) -> BN -> ReLU -> conv1x1 (x4 channels) -> BN, plus the shortcut
/// (identity, or <c>downsample</c> = 1x1 conv(stride) + BN), then ReLU. The 3x3 convolution comes from a
/// <see cref="ConvFactory"/>; the 1x1 convolutions are always standard. Parameter names match torchvision:
/// conv1, bn1, conv2, bn2, conv3, bn3, downsample.0, downsample.1.
/// </summary>
public sealed class Bottleneck : Module
{
    /// <summary>Output channels per unit of <c>planes</c>.</summary>
    public const int Expansion = 4;

    private readonly Module _conv1, _conv2, _conv3;
    private readonly BatchNorm2d _bn1, _bn2, _bn3;
    private readonly Sequential? _downsample;

    /// <summary>Creates a block mapping (N, inChannels, H, W) to (N, 4 * planes, H/stride, W/stride).</summary>
    public Bottleneck(int inChannels, int planes, int stride, ConvFactory convs)
    {
        ArgumentNullException.ThrowIfNull(convs);
        if (convs.IsOctave) throw new ArgumentException($"Bottleneck: {convs.Type} convolutions need an OctaveBottleneck");
        int outChannels = planes * Expansion;
        _conv1 = RegisterModule("conv1", convs.Conv1x1(inChannels, planes));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(planes));
        _conv2 = RegisterModule("conv2", convs.Conv3x3(planes, planes, stride));
        _bn2 = RegisterModule("bn2", new BatchNorm2d(planes));
        _conv3 = RegisterModule("conv3", convs.Conv1x1(planes, outChannels));
        _bn3 = RegisterModule("bn3", new BatchNorm2d(outChannels));
        if (stride != 1 || inChannels != outChannels)
            _downsample = RegisterModule("downsample", new Sequential(
                convs.Conv1x1(inChannels, outChannels, stride),
                new BatchNorm2d(outChannels)));
    }

    /// <summary>x: (N, inChannels, H, W) -> (N, 4 * planes, H/stride, W/stride).</summary>
    protected override Tensor ForwardCore(Tensor x)
    {
        var h = _bn1.ForwardRelu(_conv1.Forward(x));
        h = _bn2.ForwardRelu(_conv2.Forward(h));
        h = _bn3.Forward(_conv3.Forward(h));
        var skip = _downsample is null ? x : _downsample.Forward(x);
        return Ops.AddRelu(h, skip);
    }
}

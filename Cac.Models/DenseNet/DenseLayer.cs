using Cac.Nn;

namespace Cac.Models.DenseNet;

/// <summary>
/// torchvision's _DenseLayer (DenseNet-BC bottleneck layer): norm1 -> relu1 -> conv1 (1x1, bnSize * growth channels)
/// -> norm2 -> relu2 -> conv2 (3x3, growth channels). Its input is the concatenation of every earlier feature map of
/// the block; its output is the growth channels appended to it. The 3x3 convolution comes from a
/// <see cref="ConvFactory"/>; the 1x1 is always standard. No dropout (torchvision's default drop_rate = 0).
/// </summary>
public sealed class DenseLayer : Module
{
    private readonly BatchNorm2d _norm1, _norm2;
    private readonly Module _conv1, _conv2;

    /// <summary>Creates a layer mapping (N, inChannels, H, W) to (N, growthRate, H, W).</summary>
    public DenseLayer(int inChannels, int growthRate, int bnSize, ConvFactory convs)
    {
        ArgumentNullException.ThrowIfNull(convs);
        _norm1 = RegisterModule("norm1", new BatchNorm2d(inChannels));
        RegisterModule("relu1", new ReLU());
        _conv1 = RegisterModule("conv1", convs.Conv1x1(inChannels, bnSize * growthRate));
        _norm2 = RegisterModule("norm2", new BatchNorm2d(bnSize * growthRate));
        RegisterModule("relu2", new ReLU());
        _conv2 = RegisterModule("conv2", convs.Conv3x3(bnSize * growthRate, growthRate, 1));
    }

    /// <summary>x: (N, inChannels, H, W), the block's features so far -> (N, growthRate, H, W), the new features.</summary>
    protected override Tensor ForwardCore(Tensor x)
    {
        var h = _conv1.Forward(_norm1.ForwardRelu(x));
        return _conv2.Forward(_norm2.ForwardRelu(h));
    }
}

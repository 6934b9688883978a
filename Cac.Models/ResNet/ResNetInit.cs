using Cac.Nn;

namespace Cac.Models.ResNet;

/// <summary>Convolution constructors shared by the ResNets: no bias (BN follows), Kaiming-normal (fan_out, ReLU) weights as torchvision.</summary>
internal static class ResNetInit
{
    public static Conv2d Conv3x3(int inChannels, int outChannels, int stride, Generator generator) =>
        Initialized(new Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false, generator: generator), generator);

    public static Conv2d Conv1x1(int inChannels, int outChannels, int stride, Generator generator) =>
        Initialized(new Conv2d(inChannels, outChannels, 1, stride: stride, bias: false, generator: generator), generator);

    private static Conv2d Initialized(Conv2d conv, Generator generator)
    {
        Init.KaimingNormalFanOutRelu(conv.Weight, generator);
        return conv;
    }
}

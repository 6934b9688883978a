using Cac.Nn;

namespace Cac.Models.DenseNet;

/// <summary>
/// torchvision's _Transition between dense blocks: norm -> relu -> conv (1x1, compresses the channels) -> pool
/// (2x2 average, stride 2). (N, inChannels, H, W) -> (N, outChannels, H/2, W/2).
/// </summary>
public sealed class Transition : Module
{
    private readonly BatchNorm2d _norm;
    private readonly Conv2d _conv;
    private readonly AvgPool2d _pool;

    /// <summary>Creates the transition; the 1x1 convolution is always standard.</summary>
    public Transition(int inChannels, int outChannels, ConvFactory convs)
    {
        ArgumentNullException.ThrowIfNull(convs);
        _norm = RegisterModule("norm", new BatchNorm2d(inChannels));
        RegisterModule("relu", new ReLU());
        _conv = RegisterModule("conv", convs.Conv1x1(inChannels, outChannels));
        _pool = RegisterModule("pool", new AvgPool2d(2, 2));
    }

    /// <summary>x: (N, inChannels, H, W) -> (N, outChannels, H/2, W/2).</summary>
    protected override Tensor ForwardCore(Tensor x) => _pool.Forward(_conv.Forward(_norm.ForwardRelu(x)));
}

using Cac.Nn;

namespace Cac.Models.DenseNet;

/// <summary>
/// torchvision's _Transition between dense blocks: norm -> relu -> conv (1x1, compresses the channels) -> pool
/// (2x2 average, stride 2). (N, inChannels, H, W) -> (N, outChannels, H/2, W/2).
/// <para>
/// Octave input (high (N, C_high, H, W), low (N, C_low, H/2, W/2)): the norm and ReLU are per part and the conv is an
/// octave 1x1 with alpha_out = 0 and stride 2, which merges both parts into one map at the next block's resolution:
/// Y = h2h(pool(X_H)) + l2h(X_L) (<see cref="OctaveConv2d"/>). This is torchvision's conv-then-pool evaluated in the
/// cheaper order: a 1x1 convolution commutes with average pooling, and pooling the nearest-upsampled l2h(X_L) gives
/// l2h(X_L) back. There is no separate pool module then; the next block starts from a plain map, as the first does.
/// </para>
/// </summary>
public sealed class Transition : OctaveModule
{
    private readonly Module _norm, _conv;
    private readonly AvgPool2d? _pool;

    /// <summary>Creates the transition from an input split (high, low; low = 0: plain) to <paramref name="outChannels"/> plain channels; the 1x1 convolution is standard.</summary>
    public Transition((int High, int Low) input, int outChannels, ConvFactory convs)
    {
        ArgumentNullException.ThrowIfNull(convs);
        _norm = RegisterModule("norm", SplitLayers.Norm(input));
        RegisterModule("relu", SplitLayers.Relu(input));
        bool octave = input.Low > 0;
        _conv = RegisterModule("conv", SplitLayers.Conv(convs, input, (outChannels, 0), 1, octave ? 2 : 1, 0));
        if (!octave) _pool = RegisterModule("pool", new AvgPool2d(2, 2));
    }

    /// <summary>x: high (N, C_high, H, W), low (N, C_low, H/2, W/2) or none -> (N, outChannels, H/2, W/2), no low part.</summary>
    protected override OctaveTensor ForwardCore(OctaveTensor x)
    {
        var y = OctaveModule.Run(_conv, SplitLayers.NormRelu(_norm, x));
        return _pool is null ? y : OctaveModule.Run(_pool, y);
    }
}

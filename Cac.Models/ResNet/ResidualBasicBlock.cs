using Cac.Nn;

namespace Cac.Models.ResNet;

/// <summary>
/// The shared body of the two-layer residual blocks (<see cref="BasicBlock"/>, <see cref="ImageNetBasicBlock"/>):
/// conv3x3(stride) -> BN -> ReLU -> conv3x3 -> BN, plus the shortcut (identity, or a 1x1 conv(stride) + BN projection
/// when the shape changes), then ReLU. Parameter names: conv1, bn1, conv2, bn2, {shortcut}.0 (conv), {shortcut}.1 (BN).
/// </summary>
public abstract class ResidualBasicBlock : Module
{
    private readonly Module _conv1, _conv2;
    private readonly BatchNorm2d _bn1, _bn2;
    private readonly Sequential? _shortcut;

    /// <summary>
    /// Registers the layers for (N, inChannels, H, W) -> (N, outChannels, H/stride, W/stride); the projection, when
    /// needed, is registered as <paramref name="shortcutName"/>. <paramref name="octaveBlock"/> names the block to use
    /// with octave convolutions (for the error message).
    /// </summary>
    private protected ResidualBasicBlock(int inChannels, int outChannels, int stride, ConvFactory convs, string shortcutName, string octaveBlock)
    {
        ArgumentNullException.ThrowIfNull(convs);
        if (convs.IsOctave) throw new ArgumentException($"{GetType().Name}: {convs.Type} convolutions need an {octaveBlock}");
        _conv1 = RegisterModule("conv1", convs.Conv3x3(inChannels, outChannels, stride));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(outChannels));
        _conv2 = RegisterModule("conv2", convs.Conv3x3(outChannels, outChannels, 1));
        _bn2 = RegisterModule("bn2", new BatchNorm2d(outChannels));
        if (stride != 1 || inChannels != outChannels)
            _shortcut = RegisterModule(shortcutName, new Sequential(
                convs.Conv1x1(inChannels, outChannels, stride),
                new BatchNorm2d(outChannels)));
    }

    /// <summary>x: (N, inChannels, H, W) -> (N, outChannels, H/stride, W/stride).</summary>
    public override Tensor Forward(Tensor x)
    {
        if (CanFuse()) return FusedForward(x);
        var h = _bn1.ForwardRelu(_conv1.Forward(x));
        h = _bn2.Forward(_conv2.Forward(h));
        var skip = _shortcut is null ? x : _shortcut.Forward(x);
        return Ops.AddRelu(h, skip);
    }

    // Inference without a graph: each conv runs with its batch norm, the residual sum and the ReLUs folded in.
    private bool CanFuse() =>
        ConvBnFusion.CanFuse(_conv1, _bn1) && ConvBnFusion.CanFuse(_conv2, _bn2)
        && (_shortcut is null || (_shortcut.Count == 2 && _shortcut[1] is BatchNorm2d sbn && ConvBnFusion.CanFuse(_shortcut[0], sbn)));

    private Tensor FusedForward(Tensor x)
    {
        var h = ConvBnFusion.Forward(_conv1, _bn1, x, null, relu: true);
        var skip = _shortcut is null ? x : ConvBnFusion.Forward(_shortcut[0], (BatchNorm2d)_shortcut[1], x, null, relu: false);
        return ConvBnFusion.Forward(_conv2, _bn2, h, skip, relu: true);
    }
}

using Cac.Nn;

namespace Cac.Models.ResNet;

/// <summary>
/// The shared body of the two-layer residual blocks (<see cref="BasicBlock"/>, <see cref="ImageNetBasicBlock"/>):
/// conv3x3(stride) -> BN -> ReLU -> conv3x3 -> BN, plus the shortcut (identity, or a 1x1 conv(stride) + BN projection
/// when the shape changes), then ReLU. Parameter names: conv1, bn1, conv2, bn2, {shortcut}.0 (conv), {shortcut}.1 (BN).
/// Inference without a graph runs the fused plan in ResidualBasicBlock.Fused.cs instead.
/// </summary>
public abstract partial class ResidualBasicBlock : Module
{
    private readonly Module _conv1, _conv2;
    private readonly BatchNorm2d _bn1, _bn2;
    private readonly Sequential? _shortcut;

    /// <summary>
    /// Registers the layers for (N, inChannels, H, W) -> (N, outChannels, H/stride, W/stride); the projection, when
    /// needed, is registered as <paramref name="shortcutName"/>. <paramref name="octaveBlock"/> names the block to use
    /// with octave convolutions (for the error message). Both 3x3 convolutions have <paramref name="dilation"/> (and
    /// padding equal to it), as torchvision's blocks of a dilated stage.
    /// </summary>
    private protected ResidualBasicBlock(int inChannels, int outChannels, int stride, ConvFactory convs, string shortcutName, string octaveBlock,
        int dilation = 1)
    {
        ArgumentNullException.ThrowIfNull(convs);
        if (convs.IsOctave) throw new ArgumentException($"{GetType().Name}: {convs.Type} convolutions need an {octaveBlock}");
        _conv1 = RegisterModule("conv1", convs.Conv3x3(inChannels, outChannels, stride, dilation));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(outChannels));
        _conv2 = RegisterModule("conv2", convs.Conv3x3(outChannels, outChannels, 1, dilation));
        _bn2 = RegisterModule("bn2", new BatchNorm2d(outChannels));
        if (stride != 1 || inChannels != outChannels)
            _shortcut = RegisterModule(shortcutName, new Sequential(
                convs.Conv1x1(inChannels, outChannels, stride),
                new BatchNorm2d(outChannels)));
    }

    /// <summary>x: (N, inChannels, H, W) -> (N, outChannels, H/stride, W/stride).</summary>
    protected override Tensor ForwardCore(Tensor x)
    {
        var h = _bn1.ForwardRelu(_conv1.Forward(x));            // relu(bn1(conv1(x))): (N, outChannels, H/stride, W/stride)
        h = _bn2.Forward(_conv2.Forward(h));                     // bn2(conv2(h)): same shape
        var skip = _shortcut is null ? x : _shortcut.Forward(x); // x, or bn(conv1x1(x)): same shape
        return Ops.AddRelu(h, skip);                             // relu(h + skip)
    }
}

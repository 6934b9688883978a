using Cac.Nn;

namespace Cac.Models.ResNet;

/// <summary>
/// The shared body of the octave two-layer residual blocks (<see cref="OctaveBasicBlock"/>,
/// <see cref="OctaveImageNetBasicBlock"/>): octconv3x3(stride) -> BN -> ReLU -> octconv3x3 -> BN, plus the shortcut,
/// then ReLU, each normalisation and activation separate per frequency part. conv1 maps alpha_in to alpha_mid, conv2
/// maps alpha_mid to alpha_out. When the shape or split changes the shortcut projects both parts: an octave 1x1 conv
/// (standard path convs), then octave BN. Parameter names: conv1.h2h.weight ..., bn1.bn_h.weight ..., {shortcut}.0.h2h.weight ...
/// </summary>
public abstract class OctaveResidualBasicBlock : OctaveModule
{
    private readonly OctaveConv2d _conv1, _conv2;
    private readonly OctaveBatchNorm2d _bn1, _bn2;
    private readonly OctaveSequential? _shortcut;

    /// <summary>
    /// Registers the layers for (inChannels split by alphaIn, H) -> (outChannels split by alphaOut, H/stride); the
    /// projection, when needed, is registered as <paramref name="shortcutName"/>. <paramref name="plainBlock"/> names
    /// (with its article) the block to use with non-octave convolutions (for the error message).
    /// </summary>
    private protected OctaveResidualBasicBlock(int inChannels, int outChannels, int stride, double alphaIn, double alphaMid, double alphaOut,
        ConvFactory convs, string shortcutName, string plainBlock)
    {
        ArgumentNullException.ThrowIfNull(convs);
        if (!convs.IsOctave) throw new ArgumentException($"{GetType().Name}: {convs.Type} convolutions need {plainBlock}");
        _conv1 = RegisterModule("conv1", new OctaveConv2d(inChannels, outChannels, 3, alphaIn, alphaMid, stride, 1, convs.OctavePaths));
        _bn1 = RegisterModule("bn1", new OctaveBatchNorm2d(outChannels, alphaMid));
        _conv2 = RegisterModule("conv2", new OctaveConv2d(outChannels, outChannels, 3, alphaMid, alphaOut, 1, 1, convs.OctavePaths));
        _bn2 = RegisterModule("bn2", new OctaveBatchNorm2d(outChannels, alphaOut));
        if (stride != 1 || OctaveChannels.Split(inChannels, alphaIn) != OctaveChannels.Split(outChannels, alphaOut))
            _shortcut = RegisterModule(shortcutName, new OctaveSequential(
                new OctaveConv2d(inChannels, outChannels, 1, alphaIn, alphaOut, stride, 0, convs.ProjectionPaths),
                new OctaveBatchNorm2d(outChannels, alphaOut)));
    }

    /// <inheritdoc />
    protected override OctaveTensor ForwardCore(OctaveTensor x)
    {
        var h = _bn1.Forward(_conv1.Forward(x)).Map(Ops.Relu);
        h = _bn2.Forward(_conv2.Forward(h));
        var skip = _shortcut is null ? x : _shortcut.Forward(x);
        return (h + skip).Map(Ops.Relu);
    }
}

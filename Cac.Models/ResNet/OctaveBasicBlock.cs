using Cac.Nn;

namespace Cac.Models.ResNet;

/// <summary>
/// The basic block with octave convolutions: octconv3x3 -> BN -> ReLU -> octconv3x3 -> BN, plus the shortcut, then
/// ReLU, each normalisation and activation separate per frequency part. The first convolution maps the input split
/// (alpha_in) to alpha = 0.5, the second maps 0.5 to the output split (alpha_out). When the shape changes (stride,
/// channels or split) the shortcut projects both parts: an octave 1x1 convolution with standard path convolutions,
/// then octave BN. Parameter names: conv1.h2h.weight ..., bn1.bn_h.weight ..., shortcut.0.h2h.weight, shortcut.1.bn_h.weight.
/// </summary>
public sealed class OctaveBasicBlock : OctaveModule
{
    /// <summary>The split of the features between the two convolutions.</summary>
    public const double InnerAlpha = 0.5;

    private readonly OctaveConv2d _conv1, _conv2;
    private readonly OctaveBatchNorm2d _bn1, _bn2;
    private readonly OctaveSequential? _shortcut;

    /// <summary>Creates a block from (inChannels split by alphaIn, H) to (outChannels split by alphaOut, H/stride).</summary>
    public OctaveBasicBlock(int inChannels, int outChannels, int stride, double alphaIn, double alphaOut, ConvFactory convs)
    {
        ArgumentNullException.ThrowIfNull(convs);
        if (!convs.IsOctave) throw new ArgumentException($"OctaveBasicBlock: {convs.Type} convolutions need a BasicBlock");
        _conv1 = RegisterModule("conv1", new OctaveConv2d(inChannels, outChannels, 3, alphaIn, InnerAlpha, stride, 1, convs.OctavePaths));
        _bn1 = RegisterModule("bn1", new OctaveBatchNorm2d(outChannels, InnerAlpha));
        _conv2 = RegisterModule("conv2", new OctaveConv2d(outChannels, outChannels, 3, InnerAlpha, alphaOut, 1, 1, convs.OctavePaths));
        _bn2 = RegisterModule("bn2", new OctaveBatchNorm2d(outChannels, alphaOut));
        if (stride != 1 || OctaveChannels.Split(inChannels, alphaIn) != OctaveChannels.Split(outChannels, alphaOut))
            _shortcut = RegisterModule("shortcut", new OctaveSequential(
                new OctaveConv2d(inChannels, outChannels, 1, alphaIn, alphaOut, stride, 0, convs.ProjectionPaths),
                new OctaveBatchNorm2d(outChannels, alphaOut)));
    }

    /// <inheritdoc />
    public override OctaveTensor Forward(OctaveTensor x)
    {
        var h = _bn1.Forward(_conv1.Forward(x)).Map(Ops.Relu);
        h = _bn2.Forward(_conv2.Forward(h));
        var skip = _shortcut is null ? x : _shortcut.Forward(x);
        return (h + skip).Map(Ops.Relu);
    }
}

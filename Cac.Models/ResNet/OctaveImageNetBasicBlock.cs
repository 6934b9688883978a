using Cac.Nn;

namespace Cac.Models.ResNet;

/// <summary>
/// torchvision's BasicBlock with octave convolutions: octconv3x3(stride) -> BN -> ReLU -> octconv3x3 -> BN, plus the
/// shortcut, then ReLU, each normalisation and activation separate per frequency part. conv1 maps the input split
/// alpha_in to alpha_mid, conv2 maps alpha_mid to alpha_out (0 everywhere: a plain block carried as an octave tensor).
/// When the shape or split changes, <c>downsample</c> projects both parts: an octave 1x1 conv (standard path convs),
/// then octave BN. Parameter names: conv1.h2h.weight ..., bn1.bn_h.weight ..., downsample.0.h2l.weight, downsample.1.bn_l.bias.
/// </summary>
public sealed class OctaveImageNetBasicBlock : OctaveModule
{
    private readonly OctaveConv2d _conv1, _conv2;
    private readonly OctaveBatchNorm2d _bn1, _bn2;
    private readonly OctaveSequential? _downsample;

    /// <summary>Creates a block from (inChannels split by alphaIn, H) to (planes split by alphaOut, H/stride).</summary>
    public OctaveImageNetBasicBlock(int inChannels, int planes, int stride, double alphaIn, double alphaMid, double alphaOut, ConvFactory convs)
    {
        ArgumentNullException.ThrowIfNull(convs);
        if (!convs.IsOctave) throw new ArgumentException($"OctaveImageNetBasicBlock: {convs.Type} convolutions need an ImageNetBasicBlock");
        _conv1 = RegisterModule("conv1", new OctaveConv2d(inChannels, planes, 3, alphaIn, alphaMid, stride, 1, convs.OctavePaths));
        _bn1 = RegisterModule("bn1", new OctaveBatchNorm2d(planes, alphaMid));
        _conv2 = RegisterModule("conv2", new OctaveConv2d(planes, planes, 3, alphaMid, alphaOut, 1, 1, convs.OctavePaths));
        _bn2 = RegisterModule("bn2", new OctaveBatchNorm2d(planes, alphaOut));
        if (stride != 1 || OctaveChannels.Split(inChannels, alphaIn) != OctaveChannels.Split(planes, alphaOut))
            _downsample = RegisterModule("downsample", new OctaveSequential(
                new OctaveConv2d(inChannels, planes, 1, alphaIn, alphaOut, stride, 0, convs.ProjectionPaths),
                new OctaveBatchNorm2d(planes, alphaOut)));
    }

    /// <inheritdoc />
    public override OctaveTensor Forward(OctaveTensor x)
    {
        var h = _bn1.Forward(_conv1.Forward(x)).Map(Ops.Relu);
        h = _bn2.Forward(_conv2.Forward(h));
        var skip = _downsample is null ? x : _downsample.Forward(x);
        return (h + skip).Map(Ops.Relu);
    }
}

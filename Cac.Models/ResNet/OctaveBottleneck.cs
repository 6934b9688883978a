using Cac.Nn;

namespace Cac.Models.ResNet;

/// <summary>
/// torchvision's Bottleneck with octave convolutions: octconv1x1 -> BN -> ReLU -> octconv3x3(stride) -> BN -> ReLU ->
/// octconv1x1 (x4 channels) -> BN, plus the shortcut, then ReLU, each normalisation and activation separate per
/// frequency part. conv1 maps the input split alpha_in to alpha_mid, conv2 keeps alpha_mid, conv3 maps it to
/// alpha_out. The 1x1 convolutions (conv1, conv3, downsample.0) have standard path convolutions; conv2's come from
/// the <see cref="ConvFactory"/>. Parameter names: conv2.h2h.weight ..., bn3.bn_l.weight ..., downsample.0.l2h.weight.
/// </summary>
public sealed class OctaveBottleneck : OctaveModule
{
    private readonly OctaveConv2d _conv1, _conv2, _conv3;
    private readonly OctaveBatchNorm2d _bn1, _bn2, _bn3;
    private readonly OctaveSequential? _downsample;

    /// <summary>Creates a block from (inChannels split by alphaIn, H) to (4 * planes split by alphaOut, H/stride).</summary>
    public OctaveBottleneck(int inChannels, int planes, int stride, double alphaIn, double alphaMid, double alphaOut, ConvFactory convs)
    {
        ArgumentNullException.ThrowIfNull(convs);
        if (!convs.IsOctave) throw new ArgumentException($"OctaveBottleneck: {convs.Type} convolutions need a Bottleneck");
        int outChannels = planes * Bottleneck.Expansion;
        _conv1 = RegisterModule("conv1", new OctaveConv2d(inChannels, planes, 1, alphaIn, alphaMid, 1, 0, convs.ProjectionPaths));
        _bn1 = RegisterModule("bn1", new OctaveBatchNorm2d(planes, alphaMid));
        _conv2 = RegisterModule("conv2", new OctaveConv2d(planes, planes, 3, alphaMid, alphaMid, stride, 1, convs.OctavePaths));
        _bn2 = RegisterModule("bn2", new OctaveBatchNorm2d(planes, alphaMid));
        _conv3 = RegisterModule("conv3", new OctaveConv2d(planes, outChannels, 1, alphaMid, alphaOut, 1, 0, convs.ProjectionPaths));
        _bn3 = RegisterModule("bn3", new OctaveBatchNorm2d(outChannels, alphaOut));
        if (stride != 1 || OctaveChannels.Split(inChannels, alphaIn) != OctaveChannels.Split(outChannels, alphaOut))
            _downsample = RegisterModule("downsample", new OctaveSequential(
                new OctaveConv2d(inChannels, outChannels, 1, alphaIn, alphaOut, stride, 0, convs.ProjectionPaths),
                new OctaveBatchNorm2d(outChannels, alphaOut)));
    }

    /// <inheritdoc />
    protected override OctaveTensor ForwardCore(OctaveTensor x)
    {
        var h = _bn1.Forward(_conv1.Forward(x)).Map(Ops.Relu);
        h = _bn2.Forward(_conv2.Forward(h)).Map(Ops.Relu);
        h = _bn3.Forward(_conv3.Forward(h));
        var skip = _downsample is null ? x : _downsample.Forward(x);
        return (h + skip).Map(Ops.Relu);
    }
}

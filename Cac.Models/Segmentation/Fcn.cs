using Cac.Nn;

namespace Cac.Models.Segmentation;

/// <summary>
/// FCN-ResNet (the paper's section 5.3, after Long et al.): a <see cref="DilatedResNet"/> backbone at output stride 8, an
/// <see cref="FcnHead"/>(512, classes) and bilinear upsampling (align_corners false) of its logits to the input size, as
/// torchvision.models.segmentation.FCN without the auxiliary classifier. State-dict names are torchvision's:
/// <c>backbone.conv1.weight</c>, ..., <c>backbone.layer4.1.conv2.weight</c>, <c>classifier.0.weight</c>, ...,
/// <c>classifier.4.bias</c>. With <see cref="ConvType.Cac"/> every k x k convolution (the stem, the blocks' 3x3 and the
/// head's 3x3) is content-aware: CAC-FCN.
/// </summary>
public sealed class Fcn : Module
{
    private readonly DilatedResNet _backbone;
    private readonly Sequential _classifier;

    /// <summary>Creates FCN-ResNet-<paramref name="depth"/> (18 or 34) for <paramref name="numClasses"/> classes.</summary>
    public Fcn(int depth, int inChannels, int numClasses, Generator? generator = null, ConvType convType = ConvType.Standard)
    {
        var convs = new ConvFactory(convType, generator ?? Generator.Default);
        if (convs.IsOctave) throw new ArgumentException($"Fcn: {convType} convolutions are not supported");
        _backbone = RegisterModule("backbone", new DilatedResNet(depth, inChannels, convs, convs));
        _classifier = RegisterModule("classifier", FcnHead.Create(DilatedResNet.StageChannels[^1], numClasses, convs));
        ConvType = convType;
    }

    /// <summary>The kind of the k x k convolutions.</summary>
    public ConvType ConvType { get; }

    /// <summary>x: (N, inChannels, H, W) -> logits (N, numClasses, H, W).</summary>
    protected override Tensor ForwardCore(Tensor x)
    {
        var logits = _classifier.Forward(_backbone.Forward(x));                        // (N, classes, H/8, W/8)
        return Ops.Upsample(logits, x.Dims[2], x.Dims[3], UpsampleMode.Bilinear);     // (N, classes, H, W)
    }
}

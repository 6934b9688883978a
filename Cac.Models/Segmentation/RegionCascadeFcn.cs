using Cac.Nn;

namespace Cac.Models.Segmentation;

/// <summary>
/// RC-FCN, the region-convolution baseline of the paper's Table 3: FCN-ResNet with the deep layer cascade of Li et al.,
/// "Not All Pixels Are Equal: Difficulty-aware Semantic Segmentation via Deep Layer Cascade" (CVPR 2017). An auxiliary
/// <see cref="FcnHead"/>(256, classes) after layer3 (named <c>aux_classifier</c>, as torchvision's FCN names it) predicts
/// every pixel of the output-stride-8 map; a pixel whose softmax confidence (largest class probability) is above
/// <see cref="ConfidenceThreshold"/> is easy, the rest are hard. layer4 and the main head then run only on the hard region:
/// every convolution there is a <see cref="RegionConv2d"/> (the region windows gathered and multiplied as the sharp windows
/// of the sparse content-aware convolution), which is zero at easy pixels, so easy pixels are discarded from the later
/// stages (their features there are what batch norm and ReLU make of zeros; hard pixels near them read those values). The
/// prediction takes the main head's logits at hard pixels and the auxiliary head's at easy ones, then upsamples
/// bilinearly to the input size as <see cref="Fcn"/>. MAdds count what runs: the stem to layer3 and the auxiliary head in
/// full, layer4 and the main head at the hard share of positions.
/// <para>
/// Choices (the paper does not give them): the cascade splits after layer3, the last stage before the widest one (layer4
/// holds about 68% of the FCN's MAdds at any input size, so the region saves most there), with one auxiliary head rather
/// than the two of Li et al.'s three-stage cascade; the threshold is 0.95 (<see cref="DefaultConfidenceThreshold"/>), our choice,
/// settable per run. With the same generator the backbone and main head draw the same weights as
/// <see cref="Fcn"/>, so an FCN checkpoint loads into it (the auxiliary head is added).
/// </para>
/// </summary>
public sealed class RegionCascadeFcn : Module
{
    /// <summary>The default confidence above which a pixel is easy.</summary>
    public const double DefaultConfidenceThreshold = 0.95;

    private readonly DilatedResNet _backbone;
    private readonly Sequential _classifier, _auxClassifier;
    private readonly RegionConv2d[] _regionConvs;
    private double _threshold = DefaultConfidenceThreshold;

    /// <summary>Creates RC-FCN-ResNet-<paramref name="depth"/> (18 or 34) for <paramref name="numClasses"/> classes.</summary>
    public RegionCascadeFcn(int depth, int inChannels, int numClasses, Generator? generator = null)
    {
        var convs = new ConvFactory(ConvType.Standard, generator ?? Generator.Default);
        var regionConvs = convs.WithRegions();
        _backbone = RegisterModule("backbone", new DilatedResNet(depth, inChannels, convs, regionConvs));
        _classifier = RegisterModule("classifier", FcnHead.Create(DilatedResNet.StageChannels[3], numClasses, regionConvs));
        _auxClassifier = RegisterModule("aux_classifier", FcnHead.Create(DilatedResNet.StageChannels[2], numClasses, convs));
        _regionConvs = _backbone.Stages[3].NamedModules().Concat(_classifier.NamedModules())
            .Select(m => m.Module).OfType<RegionConv2d>().ToArray();
    }

    /// <summary>The softmax confidence above which a pixel is easy, in [0, 1] (1: every pixel hard, the plain FCN with an auxiliary head).</summary>
    public double ConfidenceThreshold
    {
        get => _threshold;
        set => _threshold = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the confidence threshold must lie in [0, 1]");
    }

    /// <summary>The hard region of the last forward, (N, 1, H/8, W/8): 1 where layer4 and the main head ran, 0 at easy pixels.</summary>
    public Tensor? LastHardRegion { get; private set; }

    /// <summary>The share of hard pixels in the last forward.</summary>
    public double LastHardRatio { get; private set; }

    /// <summary>The auxiliary head's logits of the last forward, upsampled to the input size (N, classes, H, W), for a deep-supervision loss.</summary>
    public Tensor? LastAuxiliaryLogits { get; private set; }

    /// <summary>x: (N, inChannels, H, W) -> logits (N, numClasses, H, W): the main head's at hard pixels, the auxiliary head's at easy ones.</summary>
    protected override Tensor ForwardCore(Tensor x)
    {
        var h = _backbone.Stem(x);
        for (int s = 0; s < 3; s++) h = _backbone.Stages[s].Forward(h);              // (N, 256, H/8, W/8)
        var aux = _auxClassifier.Forward(h);                                          // (N, classes, H/8, W/8)
        var hard = HardRegion(aux);                                                   // (N, 1, H/8, W/8)
        Tensor main;
        foreach (var conv in _regionConvs) conv.Region = hard;
        try
        {
            main = _classifier.Forward(_backbone.Stages[3].Forward(h));               // (N, classes, H/8, W/8), zero at easy pixels
        }
        finally
        {
            foreach (var conv in _regionConvs) conv.Region = null;
        }
        var logits = Ops.Add(Ops.Mul(hard, main), Ops.Mul(Ops.Affine(hard, -1, 1), aux));
        LastHardRegion = hard;
        LastAuxiliaryLogits = Ops.Upsample(aux, x.Dims[2], x.Dims[3], UpsampleMode.Bilinear);
        return Ops.Upsample(logits, x.Dims[2], x.Dims[3], UpsampleMode.Bilinear);    // (N, classes, H, W)
    }

    // 1 where the largest softmax probability of a pixel is at most the threshold (hard), 0 where it is above (easy).
    // logits: (N, classes, h, w) -> (N, 1, h, w), in the logits' dtype and on their device; no gradient.
    private Tensor HardRegion(Tensor logits)
    {
        int n = logits.Dims[0], classes = logits.Dims[1], pixels = logits.Dims[2] * logits.Dims[3];
        double[] probs;
        using (Autograd.NoGrad())
            probs = Ops.Softmax(Ops.Reshape(Ops.Permute(logits, 0, 2, 3, 1), n * pixels, classes)).ToDoubleArray();
        var hard = new double[n * pixels];
        int count = 0;
        for (int p = 0; p < hard.Length; p++)
        {
            double confidence = 0;
            for (int c = 0; c < classes; c++) confidence = Math.Max(confidence, probs[p * classes + c]);
            if (confidence <= _threshold)
            {
                hard[p] = 1;
                count++;
            }
        }
        LastHardRatio = (double)count / hard.Length;
        return Tensor.FromArray(hard, [n, 1, logits.Dims[2], logits.Dims[3]], logits.Device).To(logits.DType);
    }
}

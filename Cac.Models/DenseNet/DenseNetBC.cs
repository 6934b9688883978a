using Cac.Nn;

namespace Cac.Models.DenseNet;

/// <summary>
/// DenseNet-BC (Huang et al., 2017) in torchvision's layout: <c>features</c> = conv0 -> norm0 -> relu0 -> pool0, then
/// denseblock1, transition1, ..., denseblockN, norm5; the head applies ReLU, global average pooling and
/// <c>classifier</c>. Transitions halve the channels (compression 0.5, rounded down) and the resolution. The ImageNet
/// stem is conv0 7x7/2 + max pool 3x3/2; the CIFAR stem (as kuangliu/pytorch-cifar) is a single conv0 3x3/1 with no
/// norm0, relu0 or pool0. Every 3x3 convolution (and the stem) is of the given <see cref="ConvType"/>; the 1x1
/// convolutions are standard. DenseNet-121 (<see cref="DenseNet121"/>): 7,978,856 parameters with 1000 classes.
/// <para>
/// Octave types (Oct-DenseNet): the stem stays plain; each octave dense block starts from a plain map and its layers
/// add features split by alpha, concatenated part by part (<see cref="DenseBlock"/>); each transition merges both parts
/// back into one map at the next block's resolution (<see cref="Transition"/>). Every block is octave except, with the
/// ImageNet stem, the last, which runs at 7 x 7 for 224 x 224 inputs (odd: no half-resolution part), as the octave
/// ImageNet ResNets keep layer4 plain. The head pools each part globally and concatenates them (high first) for the
/// classifier. docs/design.md (section 4, "Oct-DenseNet MAdds") says why this layout.
/// </para>
/// </summary>
public sealed class DenseNetBC : Module
{
    private readonly Sequential _features;
    private readonly Linear _classifier;

    /// <summary>Creates a DenseNet-BC.</summary>
    /// <param name="growthRate">Channels each dense layer adds (k).</param>
    /// <param name="blockConfig">Dense layers per block.</param>
    /// <param name="initFeatures">Channels of the stem convolution.</param>
    /// <param name="bnSize">Bottleneck width factor: each layer's 1x1 conv has bnSize * growthRate channels.</param>
    /// <param name="cifarStem">Whether to use the CIFAR stem (conv0 3x3/1 only) instead of the ImageNet one.</param>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="numClasses">Classes of the classifier.</param>
    /// <param name="generator">Parameter generator (or <see cref="Generator.Default"/>).</param>
    /// <param name="convType">Kind of the k x k convolutions.</param>
    /// <param name="alpha">For octave types: the fraction of low-frequency channels in the octave blocks' layers (0 &lt; alpha &lt; 1); other types ignore it.</param>
    public DenseNetBC(int growthRate, IReadOnlyList<int> blockConfig, int initFeatures, int bnSize, bool cifarStem,
        int inChannels = 3, int numClasses = 1000, Generator? generator = null, ConvType convType = ConvType.Standard,
        double alpha = ModelOptions.DefaultAlpha)
    {
        ArgumentNullException.ThrowIfNull(blockConfig);
        if (growthRate < 1 || initFeatures < 1 || bnSize < 1 || blockConfig.Count == 0 || blockConfig.Any(n => n < 1))
            throw new ArgumentException($"DenseNet: invalid configuration growth={growthRate} blocks=({string.Join(", ", blockConfig)}) init={initFeatures} bn_size={bnSize}");
        generator ??= Generator.Default;
        var convs = new ConvFactory(convType, generator);
        if (convs.IsOctave && !(alpha > 0 && alpha < 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must lie in (0, 1)");
        ConvType = convType;
        CifarStem = cifarStem;
        Alpha = convs.IsOctave ? alpha : null;
        _features = new Sequential();
        if (cifarStem)
            _features.Add("conv0", convs.Conv3x3(inChannels, initFeatures, 1));
        else
        {
            _features.Add("conv0", convs.Create(inChannels, initFeatures, 7, 2, 3));
            _features.Add("norm0", new BatchNorm2d(initFeatures));
            _features.Add("relu0", new ReLU());
            _features.Add("pool0", new MaxPool2d(3, 2, 1));
        }
        int channels = initFeatures;
        (int High, int Low) output = (channels, 0);
        for (int i = 0; i < blockConfig.Count; i++)
        {
            bool last = i == blockConfig.Count - 1;
            double blockAlpha = convs.IsOctave && (cifarStem || !last) ? alpha : 0;
            var block = new DenseBlock(blockConfig[i], channels, growthRate, bnSize, convs, blockAlpha);
            _features.Add($"denseblock{i + 1}", block);
            output = block.Output;
            if (last) break;
            channels = block.OutChannels / 2;
            _features.Add($"transition{i + 1}", new Transition(block.Output, channels, convs));
        }
        _features.Add($"norm{blockConfig.Count + 1}", SplitLayers.Norm(output));
        RegisterModule("features", _features);
        _classifier = RegisterModule("classifier", new Linear(output.High + output.Low, numClasses, generator: generator));
    }

    /// <summary>DenseNet-121: growth 32, blocks (6, 12, 24, 16), 64 stem channels, bn_size 4.</summary>
    public static DenseNetBC DenseNet121(bool cifarStem, int inChannels = 3, int numClasses = 1000, Generator? generator = null,
        ConvType convType = ConvType.Standard, double alpha = ModelOptions.DefaultAlpha) =>
        new(32, [6, 12, 24, 16], 64, 4, cifarStem, inChannels, numClasses, generator, convType, alpha);

    /// <summary>The kind of the k x k convolutions.</summary>
    public ConvType ConvType { get; }

    /// <summary>Whether the model has the CIFAR stem (conv0 3x3/1, no pooling).</summary>
    public bool CifarStem { get; }

    /// <summary>The fraction of low-frequency channels in the octave blocks' layers; null for non-octave types.</summary>
    public double? Alpha { get; }

    /// <summary>x: (N, inChannels, H, W) -> logits (N, numClasses). Octave: H, W divisible by 16 (CIFAR stem) or 32.</summary>
    protected override Tensor ForwardCore(Tensor x)
    {
        var h = new OctaveTensor(x);
        foreach (var module in _features) h = OctaveModule.Run(module, h);
        // h: high (N, C_high, h, w) and, for an octave last block, low (N, C_low, h/2, w/2): each pooled to (N, C, 1, 1).
        var pooled = h.Map(t => Ops.AdaptiveAvgPool2d(Ops.Relu(t), 1, 1));
        var features = pooled.Low is null ? pooled.High : Ops.Concat([pooled.High, pooled.Low]);
        return _classifier.Forward(Ops.Flatten(features));
    }
}

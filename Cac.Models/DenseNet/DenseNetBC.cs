using Cac.Nn;

namespace Cac.Models.DenseNet;

/// <summary>
/// DenseNet-BC (Huang et al., 2017) in torchvision's layout: <c>features</c> = conv0 -> norm0 -> relu0 -> pool0, then
/// denseblock1, transition1, ..., denseblockN, norm5; the head applies ReLU, global average pooling and
/// <c>classifier</c>. Transitions halve the channels (compression 0.5, rounded down) and the resolution. The ImageNet
/// stem is conv0 7x7/2 + max pool 3x3/2; the CIFAR stem (as kuangliu/pytorch-cifar) is a single conv0 3x3/1 with no
/// norm0, relu0 or pool0. Every 3x3 convolution (and the stem) is of the given non-octave <see cref="ConvType"/>; the
/// 1x1 convolutions are standard. DenseNet-121 (<see cref="DenseNet121"/>): 7,978,856 parameters with 1000 classes.
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
    /// <param name="convType">Kind of the k x k convolutions (non-octave).</param>
    public DenseNetBC(int growthRate, IReadOnlyList<int> blockConfig, int initFeatures, int bnSize, bool cifarStem,
        int inChannels = 3, int numClasses = 1000, Generator? generator = null, ConvType convType = ConvType.Standard)
    {
        ArgumentNullException.ThrowIfNull(blockConfig);
        if (growthRate < 1 || initFeatures < 1 || bnSize < 1 || blockConfig.Count == 0 || blockConfig.Any(n => n < 1))
            throw new ArgumentException($"DenseNet: invalid configuration growth={growthRate} blocks=({string.Join(", ", blockConfig)}) init={initFeatures} bn_size={bnSize}");
        generator ??= Generator.Default;
        var convs = new ConvFactory(convType, generator);
        if (convs.IsOctave) throw new ArgumentException($"DenseNet: {convType} convolutions are not supported: no octave DenseNet is implemented");
        ConvType = convType;
        CifarStem = cifarStem;
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
        for (int i = 0; i < blockConfig.Count; i++)
        {
            var block = new DenseBlock(blockConfig[i], channels, growthRate, bnSize, convs);
            _features.Add($"denseblock{i + 1}", block);
            channels = block.OutChannels;
            if (i == blockConfig.Count - 1) break;
            _features.Add($"transition{i + 1}", new Transition(channels, channels / 2, convs));
            channels /= 2;
        }
        _features.Add($"norm{blockConfig.Count + 1}", new BatchNorm2d(channels));
        RegisterModule("features", _features);
        _classifier = RegisterModule("classifier", new Linear(channels, numClasses, generator: generator));
    }

    /// <summary>DenseNet-121: growth 32, blocks (6, 12, 24, 16), 64 stem channels, bn_size 4.</summary>
    public static DenseNetBC DenseNet121(bool cifarStem, int inChannels = 3, int numClasses = 1000, Generator? generator = null,
        ConvType convType = ConvType.Standard) =>
        new(32, [6, 12, 24, 16], 64, 4, cifarStem, inChannels, numClasses, generator, convType);

    /// <summary>The kind of the k x k convolutions.</summary>
    public ConvType ConvType { get; }

    /// <summary>Whether the model has the CIFAR stem (conv0 3x3/1, no pooling).</summary>
    public bool CifarStem { get; }

    /// <summary>x: (N, inChannels, H, W) -> logits (N, numClasses).</summary>
    protected override Tensor ForwardCore(Tensor x)
    {
        var h = Ops.Relu(_features.Forward(x));
        h = Ops.AdaptiveAvgPool2d(h, 1, 1);
        return _classifier.Forward(Ops.Flatten(h));
    }
}

using Cac.Nn;

namespace Cac.Models.ShuffleNet;

/// <summary>
/// ShuffleNetV2 (Ma et al., 2018) in torchvision's layout: conv1 (3x3/2 conv -> BN -> ReLU) -> maxpool 3x3/2 ->
/// stage2..stage4 (each starts with a stride-2 <see cref="InvertedResidual"/>) -> conv5 (1x1 -> BN -> ReLU) -> global
/// average pooling -> fc. The CIFAR variant's conv1 has stride 1 and there is no max pool. The 3x3 convolutions (stem
/// and depthwise) are of the given non-octave <see cref="ConvType"/>; 1x1 convolutions are standard. 1.0x
/// (<see cref="X1_0"/>): 2,278,604 parameters with 1000 classes, as torchvision's shufflenet_v2_x1_0.
/// </summary>
public sealed class ShuffleNetV2 : Module
{
    private readonly Sequential _conv1, _stage2, _stage3, _stage4, _conv5;
    private readonly MaxPool2d? _maxpool;
    private readonly Linear _fc;

    /// <summary>Creates the network.</summary>
    /// <param name="stageRepeats">Units in stage2..stage4, e.g. (4, 8, 4).</param>
    /// <param name="stageChannels">Output channels of conv1, stage2..stage4 and conv5, e.g. (24, 116, 232, 464, 1024).</param>
    /// <param name="cifarStem">Whether conv1 has stride 1 and the max pool is left out (CIFAR inputs).</param>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="numClasses">Classes of fc.</param>
    /// <param name="generator">Parameter generator (or <see cref="Generator.Default"/>).</param>
    /// <param name="convType">Kind of the 3x3 convolutions (non-octave).</param>
    public ShuffleNetV2(IReadOnlyList<int> stageRepeats, IReadOnlyList<int> stageChannels, bool cifarStem,
        int inChannels = 3, int numClasses = 1000, Generator? generator = null, ConvType convType = ConvType.Standard)
    {
        ArgumentNullException.ThrowIfNull(stageRepeats);
        ArgumentNullException.ThrowIfNull(stageChannels);
        if (stageRepeats.Count != 3 || stageChannels.Count != 5 || stageRepeats.Any(n => n < 1) || stageChannels.Any(c => c < 1))
            throw new ArgumentException($"ShuffleNetV2: expected 3 positive stage repeats and 5 positive channel counts, got ({string.Join(", ", stageRepeats)}) and ({string.Join(", ", stageChannels)})");
        generator ??= Generator.Default;
        var convs = new ConvFactory(convType, generator);
        if (convs.IsOctave) throw new ArgumentException($"ShuffleNetV2: {convType} convolutions are not supported (ShuffleNetV2 has no octave variant)");
        ConvType = convType;
        CifarStem = cifarStem;
        _conv1 = RegisterModule("conv1", new Sequential(
            convs.Conv3x3(inChannels, stageChannels[0], cifarStem ? 1 : 2),
            new BatchNorm2d(stageChannels[0]),
            new ReLU()));
        if (!cifarStem) _maxpool = RegisterModule("maxpool", new MaxPool2d(3, 2, 1));
        _stage2 = RegisterModule("stage2", Stage(stageChannels[0], stageChannels[1], stageRepeats[0], convs));
        _stage3 = RegisterModule("stage3", Stage(stageChannels[1], stageChannels[2], stageRepeats[1], convs));
        _stage4 = RegisterModule("stage4", Stage(stageChannels[2], stageChannels[3], stageRepeats[2], convs));
        _conv5 = RegisterModule("conv5", new Sequential(
            convs.Conv1x1(stageChannels[3], stageChannels[4]),
            new BatchNorm2d(stageChannels[4]),
            new ReLU()));
        _fc = RegisterModule("fc", new Linear(stageChannels[4], numClasses, generator: generator));
    }

    /// <summary>ShuffleNetV2 1.0x: repeats (4, 8, 4), channels (24, 116, 232, 464, 1024).</summary>
    public static ShuffleNetV2 X1_0(bool cifarStem, int inChannels = 3, int numClasses = 1000, Generator? generator = null,
        ConvType convType = ConvType.Standard) =>
        new([4, 8, 4], [24, 116, 232, 464, 1024], cifarStem, inChannels, numClasses, generator, convType);

    /// <summary>The kind of the 3x3 convolutions.</summary>
    public ConvType ConvType { get; }

    /// <summary>Whether the model has the CIFAR stem (conv1 stride 1, no max pool).</summary>
    public bool CifarStem { get; }

    private static Sequential Stage(int inChannels, int outChannels, int repeats, ConvFactory convs)
    {
        var stage = new Sequential(new InvertedResidual(inChannels, outChannels, 2, convs));
        for (int i = 1; i < repeats; i++) stage.Add(new InvertedResidual(outChannels, outChannels, 1, convs));
        return stage;
    }

    /// <summary>x: (N, inChannels, H, W) -> logits (N, numClasses).</summary>
    protected override Tensor ForwardCore(Tensor x)
    {
        var h = _conv1.Forward(x);
        if (_maxpool is not null) h = _maxpool.Forward(h);
        h = _conv5.Forward(_stage4.Forward(_stage3.Forward(_stage2.Forward(h))));
        h = Ops.AdaptiveAvgPool2d(h, 1, 1);
        return _fc.Forward(Ops.Flatten(h));
    }
}

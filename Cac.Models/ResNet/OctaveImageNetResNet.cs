using Cac.Nn;

namespace Cac.Models.ResNet;

/// <summary>
/// The ImageNet ResNet (<see cref="ImageNetResNet"/>) with octave convolutions (alpha = 0.5 unless given), arranged as the OctConv
/// paper's ResNets (and the public PyTorch port d-li14/octconv.pytorch): the 7x7 stem and max pool stay plain; the
/// first octave layer (layer1.0.conv1) has alpha_in = 0; layer1..layer3 run with alpha = 0.5; layer4's first block
/// maps the split back to a single part (its conv1 and downsample have alpha_out = 0) and the rest of layer4 is plain
/// (alpha 0, carried as octave modules with only h2h paths). layer4 runs at 7 x 7 for 224 x 224 inputs, too small to
/// halve again, which is why the last stage has no low-frequency part. Batch norm and ReLU are separate per part.
/// </summary>
public sealed class OctaveImageNetResNet : Module
{
    /// <summary>The default split of the octave layers.</summary>
    public const double DefaultAlpha = 0.5;

    private readonly Module _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly MaxPool2d _maxpool;
    private readonly OctaveSequential _layer1, _layer2, _layer3, _layer4;
    private readonly Linear _fc;

    /// <summary>Creates Oct-ResNet-<paramref name="depth"/> (18, 34, 50, 101 or 152) whose octave layers split their channels by <paramref name="alpha"/>.</summary>
    public OctaveImageNetResNet(int depth, int inChannels = 3, int numClasses = 1000, Generator? generator = null, ConvType convType = ConvType.Octave,
        double alpha = DefaultAlpha)
    {
        if (!(alpha > 0 && alpha < 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must lie in (0, 1)");
        Alpha = alpha;
        (Bottlenecks, BlocksPerStage) = ImageNetResNet.Layout(depth);
        generator ??= Generator.Default;
        var convs = new ConvFactory(convType, generator);
        if (!convs.IsOctave) throw new ArgumentException($"OctaveImageNetResNet: {convType} convolutions need an ImageNetResNet");
        Depth = depth;
        ConvType = convType;
        _conv1 = RegisterModule("conv1", convs.Create(inChannels, 64, 7, 2, 3));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(64));
        _maxpool = RegisterModule("maxpool", new MaxPool2d(3, 2, 1));
        int channels = 64;
        _layer1 = RegisterModule("layer1", Stage(ref channels, 64, BlocksPerStage[0], 1, StagePosition.First, convs));
        _layer2 = RegisterModule("layer2", Stage(ref channels, 128, BlocksPerStage[1], 2, StagePosition.Middle, convs));
        _layer3 = RegisterModule("layer3", Stage(ref channels, 256, BlocksPerStage[2], 2, StagePosition.Middle, convs));
        _layer4 = RegisterModule("layer4", Stage(ref channels, 512, BlocksPerStage[3], 2, StagePosition.Last, convs));
        _fc = RegisterModule("fc", new Linear(channels, numClasses, generator: generator));
    }

    private enum StagePosition { First, Middle, Last }

    /// <summary>The fraction of low-frequency channels in layer1..layer3.</summary>
    public double Alpha { get; }

    /// <summary>The depth (18, 34, 50, 101 or 152).</summary>
    public int Depth { get; }

    /// <summary>Whether the blocks are bottlenecks (depth 50 and more) rather than basic blocks.</summary>
    public bool Bottlenecks { get; }

    /// <summary>Blocks in layer1..layer4.</summary>
    public IReadOnlyList<int> BlocksPerStage { get; }

    /// <summary>The kind of the octave path convolutions (and of the plain stem).</summary>
    public ConvType ConvType { get; }

    private OctaveSequential Stage(ref int channels, int planes, int blocks, int stride, StagePosition position, ConvFactory convs)
    {
        var stage = new OctaveSequential();
        for (int i = 0; i < blocks; i++)
        {
            // (alpha_in, alpha_mid, alpha_out): layer1.0 enters from the plain stem, layer4.0 leaves the octave layout.
            var (alphaIn, alphaMid, alphaOut) = (position, i) switch
            {
                (StagePosition.First, 0) => (0.0, Alpha, Alpha),
                (StagePosition.Last, 0) => (Alpha, 0.0, 0.0),
                (StagePosition.Last, _) => (0.0, 0.0, 0.0),
                _ => (Alpha, Alpha, Alpha),
            };
            int s = i == 0 ? stride : 1;
            stage.Add(Bottlenecks
                ? new OctaveBottleneck(channels, planes, s, alphaIn, alphaMid, alphaOut, convs)
                : new OctaveImageNetBasicBlock(channels, planes, s, alphaIn, alphaMid, alphaOut, convs));
            channels = planes * (Bottlenecks ? Bottleneck.Expansion : ImageNetBasicBlock.Expansion);
        }
        return stage;
    }

    /// <summary>x: (N, inChannels, H, W) with H, W divisible by 32 -> logits (N, numClasses).</summary>
    protected override Tensor ForwardCore(Tensor x)
    {
        var h = _maxpool.Forward(_bn1.ForwardRelu(_conv1.Forward(x)));
        var y = _layer4.Forward(_layer3.Forward(_layer2.Forward(_layer1.Forward(new OctaveTensor(h)))));
        var pooled = Ops.AdaptiveAvgPool2d(y.High, 1, 1);    // y.Low is null: layer4 has alpha_out = 0
        return _fc.Forward(Ops.Flatten(pooled));
    }
}

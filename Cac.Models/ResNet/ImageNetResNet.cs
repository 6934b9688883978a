using Cac.Nn;

namespace Cac.Models.ResNet;

/// <summary>
/// The ImageNet ResNet of He et al. (2016) in torchvision's layout: conv1 7x7/2 (64 channels) -> bn1 -> ReLU ->
/// maxpool 3x3/2, four stages layer1..layer4 (64, 128, 256, 512 planes; the last three halve the resolution),
/// global average pooling and fc. Depth 18 and 34 use <see cref="ImageNetBasicBlock"/>, 50, 101 and 152
/// <see cref="Bottleneck"/>. Every k x k convolution, the 7x7 stem included, is of the given non-octave
/// <see cref="ConvType"/>; for octave types see <see cref="OctaveImageNetResNet"/>. Parameter names and counts match
/// torchvision's resnetNN (ResNet-18: 11,689,512; ResNet-50: 25,557,032 with 1000 classes).
/// </summary>
public sealed class ImageNetResNet : Module
{
    private readonly Module _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly MaxPool2d _maxpool;
    private readonly Sequential _layer1, _layer2, _layer3, _layer4;
    private readonly Linear _fc;

    /// <summary>Creates ResNet-<paramref name="depth"/> (18, 34, 50, 101 or 152).</summary>
    public ImageNetResNet(int depth, int inChannels = 3, int numClasses = 1000, Generator? generator = null, ConvType convType = ConvType.Standard)
    {
        (Bottlenecks, BlocksPerStage) = Layout(depth);
        generator ??= Generator.Default;
        var convs = new ConvFactory(convType, generator);
        if (convs.IsOctave) throw new ArgumentException($"ImageNetResNet: {convType} convolutions need an OctaveImageNetResNet");
        Depth = depth;
        ConvType = convType;
        _conv1 = RegisterModule("conv1", convs.Create(inChannels, 64, 7, 2, 3));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(64));
        _maxpool = RegisterModule("maxpool", new MaxPool2d(3, 2, 1));
        int channels = 64;
        _layer1 = RegisterModule("layer1", Stage(ref channels, 64, BlocksPerStage[0], 1, convs));
        _layer2 = RegisterModule("layer2", Stage(ref channels, 128, BlocksPerStage[1], 2, convs));
        _layer3 = RegisterModule("layer3", Stage(ref channels, 256, BlocksPerStage[2], 2, convs));
        _layer4 = RegisterModule("layer4", Stage(ref channels, 512, BlocksPerStage[3], 2, convs));
        _fc = RegisterModule("fc", new Linear(channels, numClasses, generator: generator));
    }

    /// <summary>The depth (18, 34, 50, 101 or 152).</summary>
    public int Depth { get; }

    /// <summary>Whether the blocks are bottlenecks (depth 50 and more) rather than basic blocks.</summary>
    public bool Bottlenecks { get; }

    /// <summary>Blocks in layer1..layer4, e.g. (2, 2, 2, 2) for ResNet-18, (3, 4, 6, 3) for ResNet-50.</summary>
    public IReadOnlyList<int> BlocksPerStage { get; }

    /// <summary>The kind of the k x k convolutions.</summary>
    public ConvType ConvType { get; }

    /// <summary>Block kind and blocks per stage of a torchvision ResNet depth.</summary>
    /// <exception cref="ArgumentException">The depth is not 18, 34, 50, 101 or 152.</exception>
    public static (bool Bottlenecks, int[] BlocksPerStage) Layout(int depth) => depth switch
    {
        18 => (false, [2, 2, 2, 2]),
        34 => (false, [3, 4, 6, 3]),
        50 => (true, [3, 4, 6, 3]),
        101 => (true, [3, 4, 23, 3]),
        152 => (true, [3, 8, 36, 3]),
        _ => throw new ArgumentException($"ImageNet ResNet: depth must be 18, 34, 50, 101 or 152, got {depth}"),
    };

    private Sequential Stage(ref int channels, int planes, int blocks, int stride, ConvFactory convs)
    {
        var stage = new Sequential();
        for (int i = 0; i < blocks; i++)
        {
            int s = i == 0 ? stride : 1;
            stage.Add(Bottlenecks ? new Bottleneck(channels, planes, s, convs) : new ImageNetBasicBlock(channels, planes, s, convs));
            channels = planes * (Bottlenecks ? Bottleneck.Expansion : ImageNetBasicBlock.Expansion);
        }
        return stage;
    }

    /// <summary>x: (N, inChannels, H, W) -> logits (N, numClasses); 224 x 224 gives 7 x 7 maps in layer4.</summary>
    protected override Tensor ForwardCore(Tensor x)
    {
        var h = _maxpool.Forward(_bn1.ForwardRelu(_conv1.Forward(x)));
        h = _layer4.Forward(_layer3.Forward(_layer2.Forward(_layer1.Forward(h))));
        h = Ops.AdaptiveAvgPool2d(h, 1, 1);
        return _fc.Forward(Ops.Flatten(h));
    }
}

using Cac.Nn;

namespace Cac.Models.ResNet;

/// <summary>
/// The CIFAR ResNet (<see cref="CifarResNet"/>) with octave convolutions (alpha = 0.5 unless given) in every basic block. The
/// stem stays a non-octave convolution (content-aware, like every path convolution, for <see cref="ConvType.CacOctave"/>); the first octave layer (layer1.0.conv1) has alpha_in = 0 and the last
/// (layer3.{n-1}.conv2) alpha_out = 0, so the classifier sees a single full-resolution map. Batch norm and ReLU are
/// separate per frequency part; shortcuts that change the shape project both parts (see <see cref="OctaveBasicBlock"/>).
/// </summary>
public sealed class OctaveCifarResNet : Module
{
    private readonly Module _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly OctaveSequential _layer1, _layer2, _layer3;
    private readonly Linear _fc;

    /// <summary>Creates Oct-ResNet-(6 * blocksPerStage + 2) whose octave layers split their channels by <paramref name="alpha"/>.</summary>
    public OctaveCifarResNet(int blocksPerStage, int inChannels = 3, int numClasses = 10, Generator? generator = null, ConvType convType = ConvType.Octave,
        double alpha = OctaveBasicBlock.InnerAlpha)
    {
        if (!(alpha > 0 && alpha < 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must lie in (0, 1)");
        if (blocksPerStage < 1) throw new ArgumentOutOfRangeException(nameof(blocksPerStage), blocksPerStage, "a ResNet needs at least one block per stage");
        generator ??= Generator.Default;
        var convs = new ConvFactory(convType, generator);
        if (!convs.IsOctave) throw new ArgumentException($"OctaveCifarResNet: {convType} convolutions need a CifarResNet");
        BlocksPerStage = blocksPerStage;
        ConvType = convType;
        Alpha = alpha;
        _conv1 = RegisterModule("conv1", convs.Conv3x3(inChannels, 16, 1));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(16));
        _layer1 = RegisterModule("layer1", Stage(16, 16, 1, first: true, last: false, convs));
        _layer2 = RegisterModule("layer2", Stage(16, 32, 2, first: false, last: false, convs));
        _layer3 = RegisterModule("layer3", Stage(32, 64, 2, first: false, last: true, convs));
        _fc = RegisterModule("fc", new Linear(64, numClasses, generator: generator));
    }

    /// <summary>Basic blocks per stage (n); the depth is 6n + 2.</summary>
    public int BlocksPerStage { get; }

    /// <summary>The kind of the octave path convolutions.</summary>
    public ConvType ConvType { get; }

    /// <summary>The fraction of low-frequency channels inside the octave layers.</summary>
    public double Alpha { get; }

    private OctaveSequential Stage(int inChannels, int outChannels, int stride, bool first, bool last, ConvFactory convs)
    {
        var stage = new OctaveSequential();
        for (int i = 0; i < BlocksPerStage; i++)
        {
            double alphaIn = first && i == 0 ? 0 : Alpha;
            double alphaOut = last && i == BlocksPerStage - 1 ? 0 : Alpha;
            stage.Add(new OctaveBasicBlock(i == 0 ? inChannels : outChannels, outChannels, i == 0 ? stride : 1, alphaIn, alphaOut, convs, Alpha));
        }
        return stage;
    }

    /// <summary>x: (N, inChannels, H, W) with H, W divisible by 8 -> logits (N, numClasses).</summary>
    protected override Tensor ForwardCore(Tensor x)
    {
        var h = _bn1.ForwardRelu(_conv1.Forward(x));
        var y = _layer3.Forward(_layer2.Forward(_layer1.Forward(new OctaveTensor(h))));
        var pooled = Ops.AdaptiveAvgPool2d(y.High, 1, 1);    // y.Low is null: the last layer has alpha_out = 0
        return _fc.Forward(Ops.Flatten(pooled));
    }
}

using Cac.Nn;

namespace Cac.Models.ResNet;

/// <summary>
/// The CIFAR ResNet of He et al. (2016), depth 6n + 2: a 3x3 stem with 16 channels, three stages of n
/// basic blocks with 16, 32 and 64 channels (the 2nd and 3rd halve the resolution), global average
/// pooling and a linear classifier. ResNet-20 has n = 3. The input channel count comes from the data.
/// Every 3x3 convolution, the stem included, is of the given non-octave <see cref="ConvType"/>; for octave
/// types see <see cref="OctaveCifarResNet"/>. Inference without a graph runs the fused stem of CifarResNet.Fused.cs instead.
/// </summary>
public sealed partial class CifarResNet : Module
{
    private readonly Module _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly Sequential _layer1, _layer2, _layer3;
    private readonly Linear _fc;

    /// <summary>Creates ResNet-(6 * blocksPerStage + 2).</summary>
    public CifarResNet(int blocksPerStage, int inChannels = 3, int numClasses = 10, Generator? generator = null, ConvType convType = ConvType.Standard)
    {
        if (blocksPerStage < 1) throw new ArgumentOutOfRangeException(nameof(blocksPerStage), blocksPerStage, "a ResNet needs at least one block per stage");
        generator ??= Generator.Default;
        var convs = new ConvFactory(convType, generator);
        if (convs.IsOctave) throw new ArgumentException($"CifarResNet: {convType} convolutions need an OctaveCifarResNet");
        BlocksPerStage = blocksPerStage;
        ConvType = convType;
        _conv1 = RegisterModule("conv1", convs.Conv3x3(inChannels, 16, 1));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(16));
        _layer1 = RegisterModule("layer1", Stage(16, 16, 1, convs));
        _layer2 = RegisterModule("layer2", Stage(16, 32, 2, convs));
        _layer3 = RegisterModule("layer3", Stage(32, 64, 2, convs));
        _fc = RegisterModule("fc", new Linear(64, numClasses, generator: generator));
    }

    /// <summary>Basic blocks per stage (n); the depth is 6n + 2.</summary>
    public int BlocksPerStage { get; }

    /// <summary>The kind of the 3x3 convolutions.</summary>
    public ConvType ConvType { get; }

    private Sequential Stage(int inChannels, int outChannels, int stride, ConvFactory convs)
    {
        var stage = new Sequential();
        for (int i = 0; i < BlocksPerStage; i++)
            stage.Add(new BasicBlock(i == 0 ? inChannels : outChannels, outChannels, i == 0 ? stride : 1, convs));
        return stage;
    }

    /// <summary>x: (N, inChannels, H, W) -> logits (N, numClasses).</summary>
    protected override Tensor ForwardCore(Tensor x) => StagesAndClassifier(_bn1.ForwardRelu(_conv1.Forward(x)));

    // The stem's output (N, 16, H, W) -> three stages (N, 64, H/4, W/4) -> global average pool (N, 64, 1, 1) -> fc: logits (N, numClasses).
    private Tensor StagesAndClassifier(Tensor h)
    {
        h = _layer3.Forward(_layer2.Forward(_layer1.Forward(h)));
        h = Ops.AdaptiveAvgPool2d(h, 1, 1);
        return _fc.Forward(Ops.Flatten(h));
    }
}

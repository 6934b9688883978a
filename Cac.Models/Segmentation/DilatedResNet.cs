using Cac.Models.ResNet;
using Cac.Nn;

namespace Cac.Models.Segmentation;

/// <summary>
/// The backbone of the FCNs: torchvision's ResNet-18/34 (<see cref="ImageNetResNet"/>'s stem and basic-block stages, without
/// the pooling and fc) at output stride 8, as <c>resnet18(replace_stride_with_dilation=[False, True, True])</c> would be if
/// torchvision's BasicBlock accepted dilation: layer3 and layer4 keep the resolution of layer2 (their stride-2 convolution
/// and downsample projection run at stride 1) and dilate instead, following torchvision's <c>_make_layer</c> rule that the
/// first block of a dilated stage keeps the previous dilation and the others take the stage's. For ResNet-18 that is:
/// <list type="bullet">
/// <item>conv1 (7x7/2), layer1, layer2, layer3.0.conv1 and layer3.0.conv2: dilation 1;</item>
/// <item>layer3.1.conv1, layer3.1.conv2, layer4.0.conv1 and layer4.0.conv2: dilation 2;</item>
/// <item>layer4.1.conv1 and layer4.1.conv2: dilation 4;</item>
/// </list>
/// every 3x3 convolution pads by its dilation. A 480 x 480 input gives 60 x 60 maps from layer2 on. Parameter names are
/// torchvision's (conv1, bn1, layer1.0.conv1, ..., layer4.1.downsample...), so the model's <c>backbone.</c> entries take an
/// ImageNet ResNet-18 checkpoint's (its fc dropped).
/// </summary>
public sealed class DilatedResNet : Module
{
    private readonly Module _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly MaxPool2d _maxpool;
    private readonly Sequential[] _stages;

    /// <summary>
    /// Creates the ResNet-<paramref name="depth"/> backbone (18 or 34); layer4's convolutions come from
    /// <paramref name="layer4Convs"/> (region convolutions in a cascade), the others from <paramref name="convs"/>.
    /// Both factories should share one generator so that parameters are drawn in creation order.
    /// </summary>
    /// <exception cref="ArgumentException">The depth is not a basic-block depth (18 or 34), or a factory is octave.</exception>
    public DilatedResNet(int depth, int inChannels, ConvFactory convs, ConvFactory layer4Convs)
    {
        var (bottlenecks, blocksPerStage) = ImageNetResNet.Layout(depth);
        if (bottlenecks) throw new ArgumentException($"DilatedResNet: only the basic-block depths 18 and 34 are supported, got {depth}");
        _conv1 = RegisterModule("conv1", convs.Create(inChannels, 64, 7, 2, 3));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(64));
        _maxpool = RegisterModule("maxpool", new MaxPool2d(3, 2, 1));
        int channels = 64, dilation = 1;
        _stages =
        [
            RegisterModule("layer1", Stage(ref channels, ref dilation, 64, blocksPerStage[0], 1, dilate: false, convs)),
            RegisterModule("layer2", Stage(ref channels, ref dilation, 128, blocksPerStage[1], 2, dilate: false, convs)),
            RegisterModule("layer3", Stage(ref channels, ref dilation, 256, blocksPerStage[2], 2, dilate: true, convs)),
            RegisterModule("layer4", Stage(ref channels, ref dilation, 512, blocksPerStage[3], 2, dilate: true, layer4Convs)),
        ];
        Depth = depth;
    }

    /// <summary>The depth (18 or 34).</summary>
    public int Depth { get; }

    /// <summary>Output channels of each stage, layer1..layer4.</summary>
    public static IReadOnlyList<int> StageChannels { get; } = [64, 128, 256, 512];

    /// <summary>The stages layer1..layer4.</summary>
    public IReadOnlyList<Sequential> Stages => _stages;

    /// <summary>conv1 -> bn1 -> ReLU -> maxpool: (N, inChannels, H, W) -> (N, 64, H/4, W/4).</summary>
    public Tensor Stem(Tensor x) => _maxpool.Forward(_bn1.ForwardRelu(_conv1.Forward(x)));

    // torchvision's _make_layer: a dilated stage turns its stride into dilation; its first block keeps the previous one.
    private static Sequential Stage(ref int channels, ref int dilation, int planes, int blocks, int stride, bool dilate, ConvFactory convs)
    {
        int previous = dilation;
        if (dilate)
        {
            dilation *= stride;
            stride = 1;
        }
        var stage = new Sequential();
        for (int i = 0; i < blocks; i++)
        {
            stage.Add(new ImageNetBasicBlock(channels, planes, i == 0 ? stride : 1, convs, i == 0 ? previous : dilation));
            channels = planes;
        }
        return stage;
    }

    /// <summary>x: (N, inChannels, H, W) -> layer4's features (N, 512, ceil(H/8), ceil(W/8)) (60 x 60 for 480 x 480).</summary>
    protected override Tensor ForwardCore(Tensor x)
    {
        var h = Stem(x);
        foreach (var stage in _stages) h = stage.Forward(h);
        return h;
    }
}

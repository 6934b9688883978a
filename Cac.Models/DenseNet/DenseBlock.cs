using Cac.Nn;

namespace Cac.Models.DenseNet;

/// <summary>
/// torchvision's _DenseBlock: layers denselayer1..denselayerN, each fed the concatenation of the block input and all
/// earlier layers' outputs; the block returns that concatenation with the last layer's output appended.
/// (N, inChannels, H, W) -> (N, inChannels + layers * growthRate, H, W).
/// </summary>
public sealed class DenseBlock : Module
{
    private readonly List<DenseLayer> _layers = [];

    /// <summary>Creates a block of <paramref name="layers"/> dense layers.</summary>
    public DenseBlock(int layers, int inChannels, int growthRate, int bnSize, ConvFactory convs)
    {
        if (layers < 1) throw new ArgumentOutOfRangeException(nameof(layers), layers, "a dense block needs at least one layer");
        for (int i = 0; i < layers; i++)
            _layers.Add(RegisterModule($"denselayer{i + 1}", new DenseLayer(inChannels + i * growthRate, growthRate, bnSize, convs)));
        OutChannels = inChannels + layers * growthRate;
    }

    /// <summary>Channels of the block's output.</summary>
    public int OutChannels { get; }

    /// <summary>x: (N, inChannels, H, W) -> (N, OutChannels, H, W).</summary>
    protected override Tensor ForwardCore(Tensor x)
    {
        var features = x;
        foreach (var layer in _layers)
            features = Ops.Concat([features, layer.Forward(features)]);
        return features;
    }
}

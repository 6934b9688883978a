using Cac.Nn;

namespace Cac.Models.DenseNet;

/// <summary>
/// torchvision's _DenseBlock: layers denselayer1..denselayerN, each fed the concatenation of the block input and all
/// earlier layers' outputs; the block returns that concatenation with the last layer's output appended.
/// (N, inChannels, H, W) -> (N, inChannels + layers * growthRate, H, W).
/// <para>
/// Octave (alpha &gt; 0): the input has no low part; each layer adds growthRate channels split by alpha, and the
/// concatenation keeps the parts apart (<see cref="OctaveTensor.Concat"/>): high (N, inChannels + layers * g_high, H, W),
/// low (N, layers * g_low, H/2, W/2). So the first layer has alpha_in = 0 and later layers see a growing low part.
/// </para>
/// </summary>
public sealed class DenseBlock : OctaveModule
{
    private readonly List<DenseLayer> _layers = [];

    /// <summary>Creates a block of <paramref name="layers"/> dense layers whose new features split by <paramref name="alpha"/> (0: plain).</summary>
    public DenseBlock(int layers, int inChannels, int growthRate, int bnSize, ConvFactory convs, double alpha = 0)
    {
        if (layers < 1) throw new ArgumentOutOfRangeException(nameof(layers), layers, "a dense block needs at least one layer");
        (int High, int Low) features = (inChannels, 0);
        for (int i = 0; i < layers; i++)
        {
            var layer = RegisterModule($"denselayer{i + 1}", new DenseLayer(features, growthRate, bnSize, alpha, convs));
            _layers.Add(layer);
            features = OctaveChannels.Concat(features, layer.Output);
        }
        Output = features;
    }

    /// <summary>The split of the block's output: (high, low) channels.</summary>
    public (int High, int Low) Output { get; }

    /// <summary>Channels of the block's output (both parts).</summary>
    public int OutChannels => Output.High + Output.Low;

    /// <summary>x: high (N, inChannels, H, W), no low part -> high (N, Output.High, H, W), low (N, Output.Low, H/2, W/2) or none.</summary>
    protected override OctaveTensor ForwardCore(OctaveTensor x)
    {
        var features = x;
        foreach (var layer in _layers)
            features = OctaveTensor.Concat([features, layer.Forward(features)]);
        return features;
    }
}

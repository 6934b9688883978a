using Cac.Models.ResNet;
using Cac.Nn;

namespace Cac.Models;

/// <summary>Builds models by name ("resnet20", "oct-resnet20", "cac-resnet20", "cac-oct-resnet20"), as the CLI's --model option names them.</summary>
public static class ModelRegistry
{
    private static readonly Dictionary<string, Func<int, int, Generator, Module>> Builders = new(StringComparer.OrdinalIgnoreCase)
    {
        ["resnet20"] = (c, k, g) => new CifarResNet(3, c, k, g),
        ["resnet32"] = (c, k, g) => new CifarResNet(5, c, k, g),
        ["resnet56"] = (c, k, g) => new CifarResNet(9, c, k, g),
        ["resnet110"] = (c, k, g) => new CifarResNet(18, c, k, g),
        ["oct-resnet20"] = (c, k, g) => new OctaveCifarResNet(3, c, k, g),
        ["oct-resnet32"] = (c, k, g) => new OctaveCifarResNet(5, c, k, g),
        ["oct-resnet56"] = (c, k, g) => new OctaveCifarResNet(9, c, k, g),
        ["oct-resnet110"] = (c, k, g) => new OctaveCifarResNet(18, c, k, g),
        // Content-aware: every 3x3 conv (stem included) is CAC, the 1x1 shortcuts are not.
        ["cac-resnet20"] = (c, k, g) => new CifarResNet(3, c, k, g, ConvType.Cac),
        ["cac-resnet32"] = (c, k, g) => new CifarResNet(5, c, k, g, ConvType.Cac),
        ["cac-resnet56"] = (c, k, g) => new CifarResNet(9, c, k, g, ConvType.Cac),
        ["cac-resnet110"] = (c, k, g) => new CifarResNet(18, c, k, g, ConvType.Cac),
        ["cac-oct-resnet20"] = (c, k, g) => new OctaveCifarResNet(3, c, k, g, ConvType.CacOctave),
        ["cac-oct-resnet32"] = (c, k, g) => new OctaveCifarResNet(5, c, k, g, ConvType.CacOctave),
        ["cac-oct-resnet56"] = (c, k, g) => new OctaveCifarResNet(9, c, k, g, ConvType.CacOctave),
        ["cac-oct-resnet110"] = (c, k, g) => new OctaveCifarResNet(18, c, k, g, ConvType.CacOctave),
    };

    /// <summary>The registered model names.</summary>
    public static IReadOnlyCollection<string> Names => Builders.Keys;

    /// <summary>Creates a model for inputs with <paramref name="inChannels"/> channels and <paramref name="numClasses"/> classes.</summary>
    /// <exception cref="ArgumentException">The name is unknown; the message lists the known names.</exception>
    public static Module Create(string name, int inChannels, int numClasses, Generator? generator = null)
    {
        if (!Builders.TryGetValue(name, out var build))
            throw new ArgumentException($"unknown model '{name}'; known models: {string.Join(", ", Names)}");
        return build(inChannels, numClasses, generator ?? Generator.Default);
    }
}

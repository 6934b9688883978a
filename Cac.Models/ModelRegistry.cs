using System.Text.RegularExpressions;
using Cac.Models.DenseNet;
using Cac.Models.ResNet;
using Cac.Models.Segmentation;
using Cac.Models.ShuffleNet;
using Cac.Nn;

namespace Cac.Models;

/// <summary>
/// Builds models by name, as the CLI's --model option names them: a conv-type prefix (<see cref="Prefix"/>: "" for
/// standard, "oct-" for octave, and one per further <see cref="ConvType"/>) followed by a base architecture.
/// CIFAR (3 x 32 x 32, 10 classes): resnet20, resnet32, resnet56, resnet110, densenet121-cifar, shufflenetv2-cifar.
/// ImageNet (3 x 224 x 224, 1000 classes): resnet18, resnet50, densenet121, shufflenetv2. Every base architecture is
/// registered for every non-octave conv type; the ResNets and DenseNets also for every octave type (ShuffleNetV2 has
/// none in the paper). Segmentation (PASCAL VOC 2012: 3 x 480 x 480, 21 classes, logits (N, 21, 480, 480)):
/// fcn-resnet18 for every non-octave conv type, and rc-fcn-resnet18, the region-convolution cascade (standard convolutions).
/// </summary>
public static partial class ModelRegistry
{
    private const string Cifar = "cifar10", ImageNet = "imagenet", Voc = "voc2012";

    private sealed record Entry(ModelInfo Info, Func<int, int, Generator, double, Module> Build);

    private static readonly IReadOnlyList<Entry> All = BuildEntries();

    private static readonly Dictionary<string, Entry> ByName = All.ToDictionary(e => e.Info.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The registered model names, in registration order.</summary>
    public static IReadOnlyCollection<string> Names { get; } = All.Select(e => e.Info.Name).ToList();

    /// <summary>Every registered model with its family, conv type and default input (for a model listing).</summary>
    public static IReadOnlyList<ModelInfo> Models { get; } = All.Select(e => e.Info).ToList();

    /// <summary>The name prefix of a conv type: "" (standard), "oct-" (octave); other types by their words, e.g. CacOctave: "cac-oct-".</summary>
    public static string Prefix(ConvType type) =>
        type == ConvType.Standard ? "" : string.Concat(Words().Matches(type.ToString()).Select(w => (w.Value == "Octave" ? "oct" : w.Value.ToLowerInvariant()) + "-"));

    /// <summary>What the registry knows about <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is unknown; the message lists the known names.</exception>
    public static ModelInfo Info(string name) => Find(name).Info;

    /// <summary>Creates a model for inputs with <paramref name="inChannels"/> channels and <paramref name="numClasses"/> classes.</summary>
    /// <exception cref="ArgumentException">The name is unknown; the message lists the known names.</exception>
    public static Module Create(string name, int inChannels, int numClasses, Generator? generator = null) =>
        Create(name, inChannels, numClasses, generator, null);

    /// <summary>
    /// Creates a model for inputs with <paramref name="inChannels"/> channels and <paramref name="numClasses"/> classes,
    /// built with <paramref name="options"/> (null: <see cref="ModelOptions.Default"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The name is unknown (the message lists the known names), or the options give an
    /// alpha to a model without octave layers or an alpha outside (0, 1).</exception>
    public static Module Create(string name, int inChannels, int numClasses, Generator? generator, ModelOptions? options)
    {
        var entry = Find(name);
        options ??= ModelOptions.Default;
        if (options.Alpha is { } alpha)
        {
            if (!new ConvFactory(entry.Info.ConvType).IsOctave)
                throw new ArgumentException($"alpha {alpha}: model '{entry.Info.Name}' has no octave layers (use an oct-* or cac-oct-* model)");
            if (!(alpha > 0 && alpha < 1)) throw new ArgumentException($"alpha must lie in (0, 1), got {alpha}");
        }
        return options.ApplyTo(entry.Build(inChannels, numClasses, generator ?? Generator.Default, options.AlphaOrDefault));
    }

    /// <summary>Creates a model for its default input channels and classes (<see cref="Info"/>).</summary>
    /// <exception cref="ArgumentException">The name is unknown; the message lists the known names.</exception>
    public static Module Create(string name, Generator? generator = null)
    {
        var info = Info(name);
        return Create(name, info.InputChannels, info.NumClasses, generator);
    }

    private static Entry Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!ByName.TryGetValue(name, out var entry))
            throw new ArgumentException($"unknown model '{name}'; known models: {string.Join(", ", Names)}");
        return entry;
    }

    private static List<Entry> BuildEntries()
    {
        var entries = new List<Entry>();
        foreach (var type in Enum.GetValues<ConvType>())
        {
            bool octave = new ConvFactory(type).IsOctave;
            void Add(string baseName, string family, string dataset, Func<int, int, Generator, double, Module> build)
            {
                var (size, classes) = dataset switch { Cifar => (32, 10), Voc => (480, 21), _ => (224, 1000) };
                entries.Add(new Entry(new ModelInfo(Prefix(type) + baseName, baseName, family, type, dataset, 3, size, classes), build));
            }

            foreach (var (depth, n) in new[] { (20, 3), (32, 5), (56, 9), (110, 18) })
                Add($"resnet{depth}", "resnet", Cifar, octave
                    ? (c, k, generator, alpha) => new OctaveCifarResNet(n, c, k, generator, type, alpha)
                    : (c, k, generator, _) => new CifarResNet(n, c, k, generator, type));
            foreach (var depth in new[] { 18, 50 })
                Add($"resnet{depth}", "resnet", ImageNet, octave
                    ? (c, k, generator, alpha) => new OctaveImageNetResNet(depth, c, k, generator, type, alpha)
                    : (c, k, generator, _) => new ImageNetResNet(depth, c, k, generator, type));
            Add("densenet121", "densenet", ImageNet, (c, k, generator, alpha) => DenseNetBC.DenseNet121(cifarStem: false, c, k, generator, type, alpha));
            Add("densenet121-cifar", "densenet", Cifar, (c, k, generator, alpha) => DenseNetBC.DenseNet121(cifarStem: true, c, k, generator, type, alpha));
            if (octave) continue;
            Add("shufflenetv2", "shufflenetv2", ImageNet, (c, k, generator, _) => ShuffleNetV2.X1_0(cifarStem: false, c, k, generator, type));
            Add("shufflenetv2-cifar", "shufflenetv2", Cifar, (c, k, generator, _) => ShuffleNetV2.X1_0(cifarStem: true, c, k, generator, type));
            Add("fcn-resnet18", "fcn", Voc, (c, k, generator, _) => new Fcn(18, c, k, generator, type));
            if (type == ConvType.Standard)
                Add("rc-fcn-resnet18", "fcn", Voc, (c, k, generator, _) => new RegionCascadeFcn(18, c, k, generator));
        }
        return entries;
    }

    [GeneratedRegex("[A-Z][a-z0-9]*")]
    private static partial Regex Words();
}

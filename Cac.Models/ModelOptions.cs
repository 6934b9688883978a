using Cac.Nn;

namespace Cac.Models;

/// <summary>
/// Choices a registry model is built with beyond its name (<see cref="ModelRegistry.Create(string, int, int, Generator?, ModelOptions?)"/>).
/// </summary>
/// <param name="SamplePoint">The pixel a smooth window's 1 x 1 convolution reads, for every content-aware layer
/// (docs/design.md 2.5): the window's centre as the paper (default), or its top-left pixel as the official code.
/// Models without content-aware layers ignore it.</param>
/// <param name="Alpha">The fraction of low-frequency channels in the octave layers of an octave model (0 &lt; alpha &lt; 1);
/// null keeps the model's default, 0.5. Only octave models accept it.</param>
public sealed record ModelOptions(CacSamplePoint SamplePoint = CacSamplePoint.Centre, double? Alpha = null)
{
    /// <summary>The options every model is built with unless told otherwise: centre sampling, the default alpha.</summary>
    public static ModelOptions Default { get; } = new();

    /// <summary>The octave split used when <see cref="Alpha"/> is null.</summary>
    public const double DefaultAlpha = 0.5;

    /// <summary>The octave split to build with: <see cref="Alpha"/>, or <see cref="DefaultAlpha"/>.</summary>
    public double AlphaOrDefault => Alpha ?? DefaultAlpha;

    /// <summary>Sets <see cref="SamplePoint"/> on every content-aware layer of <paramref name="model"/>; returns the model.</summary>
    public Module ApplyTo(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var layer in model.NamedModules().Select(m => m.Module).OfType<ContentAwareConv2d>()) layer.SamplePoint = SamplePoint;
        return model;
    }
}

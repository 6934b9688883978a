namespace Cac.Models;

/// <summary>Which convolution a model's k x k layers use (1 x 1 projections are always standard).</summary>
public enum ConvType
{
    /// <summary>Standard dense convolution (<see cref="Cac.Nn.Conv2d"/>).</summary>
    Standard,

    /// <summary>Octave convolution (<see cref="Cac.Nn.OctaveConv2d"/>) with standard path convolutions.</summary>
    Octave,
}

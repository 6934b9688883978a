namespace Cac.Models;

/// <summary>Which convolution a model's k x k layers use (1 x 1 projections are always standard).</summary>
public enum ConvType
{
    /// <summary>Standard dense convolution (<see cref="Cac.Nn.Conv2d"/>).</summary>
    Standard,

    /// <summary>Octave convolution (<see cref="Cac.Nn.OctaveConv2d"/>) with standard path convolutions.</summary>
    Octave,

    /// <summary>Content-aware convolution (<see cref="Cac.Nn.ContentAwareConv2d"/>) for every k x k conv with k &gt; 1, the stem included.</summary>
    Cac,

    /// <summary>Octave convolution whose four path convolutions are content-aware (each computes its mask from its own input); the stem is content-aware too.</summary>
    CacOctave,
}

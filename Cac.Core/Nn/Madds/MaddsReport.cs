namespace Cac.Madds;

/// <summary>One counted layer: its dotted module name ("layer1.0.conv1"), type name and per-sample MAdds.</summary>
public sealed record LayerMadds(string Name, string Type, long Madds);

/// <summary>The MAdds of a model for one sample: every counted layer in module order, and their total.</summary>
public sealed record MaddsReport(IReadOnlyList<LayerMadds> Layers)
{
    /// <summary>Sum of the layers' MAdds.</summary>
    public long TotalMadds { get; } = Layers.Sum(l => l.Madds);
}

using System.Globalization;
using Cac.Nn;

namespace Cac.Cli.Training;

/// <summary>A content-aware model's cost over one pass: per-sample MAdds, the standard-conv baseline, and each CAC layer's sharp ratio.</summary>
public sealed record CacCost(long Madds, long BaselineMadds, double Ratio, IReadOnlyDictionary<string, double> SharpRatios)
{
    /// <summary>One console line: "MAdds 31.20M (76.4% of 40.81M), sharp ratios conv1 0.98, layer1.0.conv1 0.91, ...".</summary>
    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture,
            $"MAdds {Madds / 1e6:F2}M ({Ratio:P1} of {BaselineMadds / 1e6:F2}M), sharp ratios ") +
        string.Join(", ", SharpRatios.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Key} {r.Value:F2}")));
}

/// <summary>
/// Measures a content-aware model's cost over an evaluation pass, for the per-epoch report of `cac train`:
/// <see cref="BeginPass"/> resets every CAC layer's sharp-ratio accumulator, the caller runs the pass, and
/// <see cref="EndPass"/> prices each CAC layer at the sharp ratio it accumulated. No console code here.
/// </summary>
public sealed class CacCostMonitor
{
    private readonly CostAwareObjective _cost;

    /// <summary>Monitors the model of <paramref name="cost"/> (its layers, constants and baseline).</summary>
    public CacCostMonitor(CostAwareObjective cost)
    {
        ArgumentNullException.ThrowIfNull(cost);
        _cost = cost;
    }

    /// <summary>Resets the sharp-ratio accumulators of every CAC layer.</summary>
    public void BeginPass()
    {
        foreach (var l in _cost.Layers) l.Layer.ResetSharpRatio();
    }

    /// <summary>The cost of the pass since <see cref="BeginPass"/>.</summary>
    public CacCost EndPass()
    {
        double madds = _cost.MaddsAtAccumulatedRatios();
        var ratios = new Dictionary<string, double>();
        foreach (var l in _cost.Layers) ratios[l.Name] = l.Layer.AccumulatedSharpRatio;
        return new CacCost((long)Math.Round(madds), (long)Math.Round(_cost.BaselineMadds), madds / _cost.BaselineMadds, ratios);
    }
}

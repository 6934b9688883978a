using Cac.Madds;
using Cac.Models;
using Cac.Nn;

namespace Cac.Cli.Reports;

/// <summary>
/// What a run's report needs beyond metrics.json, fixed for the whole run: the settings, and the costs that are not
/// measured per epoch. A content-aware model's MAdds come from each epoch's test pass (in the metrics); any other model's
/// MAdds are a constant, counted once here.
/// </summary>
/// <param name="Settings">The run's settings as (name, value) pairs, in display order.</param>
/// <param name="ModelMadds">Per-image MAdds of a model that is not content-aware; null for content-aware models.</param>
/// <param name="StandardMadds">Per-image MAdds of the same architecture with standard convolutions (the "vs standard" reference).</param>
/// <param name="StandardModel">The name of that standard model, e.g. "resnet20".</param>
public sealed record RunReportContext(
    IReadOnlyList<KeyValuePair<string, string>> Settings,
    long? ModelMadds = null,
    long? StandardMadds = null,
    string? StandardModel = null)
{
    /// <summary>No settings and no costs beyond the metrics.</summary>
    public static RunReportContext Empty { get; } = new([]);

    /// <summary>
    /// Builds the context of a training run: the settings from <paramref name="settings"/>' public properties, the MAdds
    /// of <paramref name="net"/> (unless it is content-aware) and of the standard-conv model of the same architecture
    /// (from <see cref="ModelRegistry"/>), both counted with one input of <paramref name="inputShape"/> (1, C, H, W).
    /// </summary>
    public static RunReportContext Measure(object settings, Module net, string modelName, int[] inputShape, int classes)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(inputShape);
        long? modelMadds = CostAwareObjective.HasContentAwareLayers(net) ? null : MaddsCounter.Count(net, inputShape).TotalMadds;
        var info = ModelRegistry.Info(modelName);
        long standard = info.ConvType == ConvType.Standard && modelMadds is not null
            ? modelMadds.Value
            : MaddsCounter.Count(ModelRegistry.Create(info.BaseName, inputShape[1], classes, new Generator(0)), inputShape).TotalMadds;
        return new RunReportContext(ReportSettings.From(settings), modelMadds, standard, info.BaseName);
    }
}

using System.Text.Json.Serialization;

namespace Cac.Cli.Reproduce;

/// <summary>What one trained row measured, from its last epoch (saved in the row's <see cref="RowStore.MarkerFile"/>).</summary>
/// <param name="TestAccuracy">Top-1 test accuracy of the last epoch, in [0, 1].</param>
/// <param name="Madds">MAdds per image: a content-aware model's at the sharp ratios of the last test pass, any other model's constant.</param>
/// <param name="StandardMadds">MAdds per image of the same architecture with standard convolutions, at the same input size.</param>
/// <param name="Epochs">Epochs trained.</param>
/// <param name="TrainSeconds">Seconds spent in the training epochs (all of them, resumed ones included).</param>
/// <param name="MeanSharpRatio">A content-aware model's mean sharp ratio over its layers (last test pass); null otherwise.</param>
internal sealed record RowResult(
    [property: JsonPropertyName("test_accuracy")] double TestAccuracy,
    [property: JsonPropertyName("madds")] long Madds,
    [property: JsonPropertyName("standard_madds")] long StandardMadds,
    [property: JsonPropertyName("epochs")] int Epochs,
    [property: JsonPropertyName("train_seconds")] double TrainSeconds,
    [property: JsonPropertyName("mean_sharp_ratio")] double? MeanSharpRatio)
{
    /// <summary>Top-1 test error in percent.</summary>
    [JsonIgnore]
    public double ErrorPercent => 100 * (1 - TestAccuracy);

    /// <summary>MAdds over the standard model's.</summary>
    [JsonIgnore]
    public double Ratio => (double)Madds / StandardMadds;
}

using System.Text.Json.Serialization;

namespace Cac.Cli.Training;

/// <summary>
/// One epoch's row of metrics.json. Content-aware models add their cost over the test pass (per-sample MAdds at the
/// accumulated sharp ratios, the standard-conv baseline, their ratio) and each CAC layer's sharp ratio; those keys
/// are absent for other models. test_top5_accuracy is absent for fewer than 5 classes.
/// </summary>
public sealed record EpochMetrics(
    [property: JsonPropertyName("epoch")] int Epoch,
    [property: JsonPropertyName("train_loss")] double TrainLoss,
    [property: JsonPropertyName("train_accuracy")] double TrainAccuracy,
    [property: JsonPropertyName("test_accuracy")] double TestAccuracy,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("images_per_second")] double ImagesPerSecond,
    [property: JsonPropertyName("lr")] double LearningRate,
    [property: JsonPropertyName("madds"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Madds = null,
    [property: JsonPropertyName("madds_baseline"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? MaddsBaseline = null,
    [property: JsonPropertyName("madds_ratio"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? MaddsRatio = null,
    [property: JsonPropertyName("sharp_ratios"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, double>? SharpRatios = null,
    [property: JsonPropertyName("test_top5_accuracy"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? TestTop5Accuracy = null);

/// <summary>The whole metrics.json: the run's settings and one row per finished epoch.</summary>
public sealed record RunMetrics(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("dataset")] string Dataset,
    [property: JsonPropertyName("parameters")] long Parameters,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("batch_size")] int BatchSize,
    [property: JsonPropertyName("epochs")] List<EpochMetrics> Epochs);

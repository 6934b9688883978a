using System.Text.Json.Serialization;

namespace Cac.Cli.Training;

/// <summary>One epoch's row of metrics.json.</summary>
public sealed record EpochMetrics(
    [property: JsonPropertyName("epoch")] int Epoch,
    [property: JsonPropertyName("train_loss")] double TrainLoss,
    [property: JsonPropertyName("train_accuracy")] double TrainAccuracy,
    [property: JsonPropertyName("test_accuracy")] double TestAccuracy,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("images_per_second")] double ImagesPerSecond,
    [property: JsonPropertyName("lr")] double LearningRate);

/// <summary>The whole metrics.json: the run's settings and one row per finished epoch.</summary>
public sealed record RunMetrics(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("dataset")] string Dataset,
    [property: JsonPropertyName("parameters")] long Parameters,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("batch_size")] int BatchSize,
    [property: JsonPropertyName("epochs")] List<EpochMetrics> Epochs);

using System.Text.Json.Serialization;
using Cac.Cli.Commands;

namespace Cac.Cli.Training;

/// <summary>
/// The JSON half of a resumable training state (the "cac.train_state" metadata entry of train_state.safetensors): everything
/// that is not a tensor. Schedulers are closed-form, so their state is the number of steps taken; the data loader derives
/// each epoch's shuffle and augmentation from (seed, epoch), so its state is the next epoch.
/// </summary>
/// <param name="Format">Always <see cref="TrainingState.FormatName"/>.</param>
/// <param name="Version">Format version (<see cref="TrainingState.FormatVersion"/>).</param>
/// <param name="EpochsDone">Epochs finished; training resumes at this (0-based) epoch.</param>
/// <param name="BatchesPerEpoch">Training batches per epoch (a check: the data must give the same count on resume).</param>
/// <param name="Settings">The run's settings (snake_case keys), with the epoch target of the latest invocation.</param>
/// <param name="BatchSchedulerStep">Steps taken by the per-batch scheduler (cosine), or null when the run has none.</param>
/// <param name="EpochSchedulerStep">Steps taken by the per-epoch scheduler (multistep), or null when the run has none.</param>
/// <param name="DefaultGeneratorState">Base64 of <see cref="Generator.GetState"/> of <see cref="Generator.Default"/> (dropout and other global draws).</param>
/// <param name="DataLoaderSeed">Seed of the training loader's shuffles and augmentations.</param>
/// <param name="Metrics">metrics.json as of <paramref name="EpochsDone"/> epochs.</param>
internal sealed record TrainingStateDocument(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("epochs_done")] int EpochsDone,
    [property: JsonPropertyName("batches_per_epoch")] int BatchesPerEpoch,
    [property: JsonPropertyName("settings")] TrainCommand.TrainSettings Settings,
    [property: JsonPropertyName("batch_scheduler_step")] int? BatchSchedulerStep,
    [property: JsonPropertyName("epoch_scheduler_step")] int? EpochSchedulerStep,
    [property: JsonPropertyName("default_generator_state")] string DefaultGeneratorState,
    [property: JsonPropertyName("data_loader_seed")] int DataLoaderSeed,
    [property: JsonPropertyName("metrics")] RunMetrics Metrics);

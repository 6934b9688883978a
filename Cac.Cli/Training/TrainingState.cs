using System.Text.Json;
using System.Text.Json.Nodes;
using Cac.Cli.Commands;
using Cac.Nn;
using Cac.Optim;
using Cac.Serialization;

namespace Cac.Cli.Training;

/// <summary>
/// The resumable state of a `cac train` run, saved after every epoch as one file, train_state.safetensors, in the run's
/// output directory:
/// <list type="bullet">
/// <item>tensors "model.{name}": the model's state dict (parameters and buffers, PyTorch names after the prefix);</item>
/// <item>tensors "optimizer.{key}": <see cref="Optimizer.State"/> (step count, lr, momentum buffers, ...);</item>
/// <item>metadata "cac.train_state": a <see cref="TrainingStateDocument"/> as JSON (epoch reached, settings, scheduler
/// steps, the global generator's state, metrics so far).</item>
/// </list>
/// Crash safety: the whole state is one file written atomically (temp file, flush, rename), and it is written last each
/// epoch, after metrics.json and model.safetensors. Whatever moment the process dies, train_state.safetensors is either
/// the previous epoch's state or the new one, complete and self-consistent (it never refers to another file), so a resume
/// never mixes epochs; at worst it redoes the epoch that was running, with the same result.
/// </summary>
internal sealed class TrainingState
{
    /// <summary>The file name inside the run directory.</summary>
    public const string FileName = "train_state.safetensors";

    /// <summary>The metadata key holding the JSON document.</summary>
    public const string MetadataKey = "cac.train_state";

    /// <summary>Value of <see cref="TrainingStateDocument.Format"/>.</summary>
    public const string FormatName = "cac-train-state";

    /// <summary>The format version written (and the only one read).</summary>
    public const int FormatVersion = 1;

    private const string ModelPrefix = "model.", OptimizerPrefix = "optimizer.";

    internal static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private TrainingState(string path, TrainingStateDocument document, IReadOnlyDictionary<string, Tensor> model, IReadOnlyDictionary<string, Tensor> optimizer)
    {
        Path = path;
        Document = document;
        ModelState = model;
        OptimizerState = optimizer;
    }

    /// <summary>The file this state was read from.</summary>
    public string Path { get; }

    /// <summary>The JSON half.</summary>
    public TrainingStateDocument Document { get; }

    /// <summary>The model's state dict (without the "model." prefix).</summary>
    public IReadOnlyDictionary<string, Tensor> ModelState { get; }

    /// <summary>The optimizer's state (without the "optimizer." prefix).</summary>
    public IReadOnlyDictionary<string, Tensor> OptimizerState { get; }

    /// <summary>Writes the state after <paramref name="epochsDone"/> epochs to <paramref name="dir"/>/<see cref="FileName"/>, atomically.</summary>
    public static void Save(string dir, TrainCommand.TrainSettings settings, int epochsDone, int batchesPerEpoch, int dataLoaderSeed,
        Module model, Optimizer optimizer, LrScheduler? epochScheduler, LrScheduler? batchScheduler, RunMetrics metrics)
    {
        var tensors = new OrderedDictionary<string, Tensor>();
        foreach (var (name, t) in model.StateDict()) tensors[ModelPrefix + name] = t;
        foreach (var (name, t) in optimizer.State()) tensors[OptimizerPrefix + name] = t;
        var document = new TrainingStateDocument(FormatName, FormatVersion, epochsDone, batchesPerEpoch, settings,
            batchScheduler?.LastEpoch, epochScheduler?.LastEpoch, Convert.ToBase64String(Generator.Default.GetState()), dataLoaderSeed, metrics);
        SafeTensors.Save(System.IO.Path.Combine(dir, FileName), tensors,
            new Dictionary<string, string> { [MetadataKey] = JsonSerializer.Serialize(document, JsonOptions) });
    }

    /// <summary>Reads <paramref name="dir"/>/<see cref="FileName"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">The directory has no state file.</exception>
    /// <exception cref="InvalidDataException">The file is corrupt or not a training state (the message names the file).</exception>
    public static TrainingState Load(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"--resume: directory '{dir}' does not exist");
        string path = System.IO.Path.Combine(dir, FileName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"--resume: '{dir}' has no {FileName} (it is written after each epoch by `cac train`; was the run started in this directory?)", path);

        IReadOnlyDictionary<string, Tensor> tensors;
        IReadOnlyDictionary<string, string> metadata;
        try
        {
            tensors = SafeTensors.Load(path, out metadata);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new InvalidDataException($"--resume: cannot read {path}: {e.Message}", e);
        }
        if (!metadata.TryGetValue(MetadataKey, out var json))
            throw new InvalidDataException($"--resume: {path} has no \"{MetadataKey}\" metadata; it is not a training state written by `cac train`");
        TrainingStateDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<TrainingStateDocument>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"--resume: {path}: the \"{MetadataKey}\" metadata is not a valid training state ({e.Message})", e);
        }
        Check(path, document);
        document = document! with { Settings = SavedSettings.WithOptionsLaterAdded(document.Settings, JsonNode.Parse(json)?["settings"] as JsonObject) };

        var model = new OrderedDictionary<string, Tensor>();
        var optimizer = new OrderedDictionary<string, Tensor>();
        foreach (var (name, t) in tensors)
        {
            if (name.StartsWith(ModelPrefix, StringComparison.Ordinal)) model[name[ModelPrefix.Length..]] = t;
            else if (name.StartsWith(OptimizerPrefix, StringComparison.Ordinal)) optimizer[name[OptimizerPrefix.Length..]] = t;
            else throw new InvalidDataException($"--resume: {path}: unexpected tensor '{name}' (neither \"{ModelPrefix}*\" nor \"{OptimizerPrefix}*\")");
        }
        if (model.Count == 0) throw new InvalidDataException($"--resume: {path} holds no model tensors");
        if (optimizer.Count == 0) throw new InvalidDataException($"--resume: {path} holds no optimizer state");
        return new TrainingState(path, document!, model, optimizer);
    }

    private static void Check(string path, TrainingStateDocument? d)
    {
        string Bad(string what) => $"--resume: {path}: {what}";
        if (d is null) throw new InvalidDataException(Bad("the training state is empty"));
        if (d.Format != FormatName) throw new InvalidDataException(Bad($"format is \"{d.Format}\", expected \"{FormatName}\""));
        if (d.Version != FormatVersion) throw new InvalidDataException(Bad($"format version {d.Version} is not supported (this build reads version {FormatVersion})"));
        if (d.Settings is null || d.Metrics?.Epochs is null || d.DefaultGeneratorState is null)
            throw new InvalidDataException(Bad("the training state lacks its settings, metrics or generator state"));
        if (d.EpochsDone < 1 || d.Metrics.Epochs.Count != d.EpochsDone)
            throw new InvalidDataException(Bad($"it records {d.EpochsDone} epoch(s) done but {d.Metrics.Epochs.Count} metrics row(s)"));
        if (d.BatchesPerEpoch < 1) throw new InvalidDataException(Bad($"invalid batches per epoch {d.BatchesPerEpoch}"));
    }

    /// <summary>
    /// Restores the model, optimizer, schedulers and the global generator of a run rebuilt from <see cref="Document"/>'s
    /// settings (before anything trains). Returns the epoch to continue at.
    /// </summary>
    /// <exception cref="InvalidDataException">The state does not fit the rebuilt run (another model, another data size); the message names the file.</exception>
    public int Restore(Module model, Optimizer optimizer, LrScheduler? epochScheduler, LrScheduler? batchScheduler, int batchesPerEpoch)
    {
        var d = Document;
        if (batchesPerEpoch != d.BatchesPerEpoch)
            throw new InvalidDataException($"--resume: {Path} was saved with {d.BatchesPerEpoch} batches per epoch, but the training data now gives {batchesPerEpoch} (did the dataset files change?)");
        if ((batchScheduler is null) != (d.BatchSchedulerStep is null) || (epochScheduler is null) != (d.EpochSchedulerStep is null))
            throw new InvalidDataException($"--resume: {Path}: the saved scheduler steps do not match schedule '{d.Settings.Schedule}'");
        byte[] rng;
        try
        {
            rng = Convert.FromBase64String(d.DefaultGeneratorState);
            new Generator(0).SetState(rng); // validates before anything changes
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new InvalidDataException($"--resume: {Path}: invalid generator state ({e.Message})", e);
        }
        try
        {
            model.LoadStateDict(ModelState);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"--resume: {Path} holds the state of a different model than '{d.Settings.Model}': {e.Message}", e);
        }
        try
        {
            optimizer.LoadState(OptimizerState);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"--resume: {Path}: the optimizer state does not fit model '{d.Settings.Model}': {e.Message}", e);
        }
        Generator.Default.SetState(rng);
        // Closed-form schedules: jumping to the saved step sets the same lr as stepping there (after LoadState, which set the saved lr).
        if (d.BatchSchedulerStep is { } b) batchScheduler!.Resume(b);
        if (d.EpochSchedulerStep is { } e2) epochScheduler!.Resume(e2);
        return d.EpochsDone;
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Cac.Models;

namespace Cac.Cli.Training;

/// <summary>
/// How a checkpoint's model was built, beyond its weights: stored by `cac train` in model.safetensors as the metadata
/// entry <see cref="Key"/> (JSON), and read back wherever a model is rebuilt from a name to load those weights
/// (`cac eval`, `cac predict`, `cac visualize`, `cac madds --weights`). A file without the entry was built with
/// <see cref="ModelOptions.Default"/>.
/// </summary>
/// <param name="Model">The registry name the weights belong to (informational).</param>
/// <param name="CacSample">The sample point of the content-aware layers, as `--cac-sample` spells it (<see cref="SampleNames"/>).</param>
/// <param name="Alpha">The octave split given with `--alpha`, or null for the model's default.</param>
internal sealed record CheckpointMetadata(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("cac_sample")] string CacSample,
    [property: JsonPropertyName("alpha")] double? Alpha)
{
    /// <summary>The safetensors metadata key.</summary>
    public const string Key = "cac.model";

    /// <summary>The `--cac-sample` values, in the order of <see cref="CacSamplePoint"/>: centre (the paper), top-left (the official code).</summary>
    public static IReadOnlyList<string> SampleNames { get; } = ["centre", "top-left"];

    /// <summary>The <see cref="CacSamplePoint"/> a `--cac-sample` value names.</summary>
    /// <exception cref="ArgumentException">Neither name (the message names the option and the value).</exception>
    public static CacSamplePoint ParseSample(string name) => name.ToLowerInvariant() switch
    {
        "centre" => CacSamplePoint.Centre,
        "top-left" => CacSamplePoint.TopLeft,
        _ => throw new ArgumentException($"--cac-sample '{name}' is not one of {string.Join(", ", SampleNames)}"),
    };

    /// <summary>The options to build the model with.</summary>
    public ModelOptions Options() => new(ParseSample(CacSample), Alpha);

    /// <summary>The metadata dictionary to save beside the weights.</summary>
    public IReadOnlyDictionary<string, string> ToMetadata() => new Dictionary<string, string> { [Key] = JsonSerializer.Serialize(this) };

    /// <summary>
    /// The build options recorded in a checkpoint's metadata, or <see cref="ModelOptions.Default"/> when it has none.
    /// </summary>
    /// <exception cref="InvalidDataException">The entry is not valid JSON of this record (the message names the file).</exception>
    public static ModelOptions OptionsFrom(IReadOnlyDictionary<string, string> metadata, string path)
    {
        if (!metadata.TryGetValue(Key, out var json)) return ModelOptions.Default;
        try
        {
            var read = JsonSerializer.Deserialize<CheckpointMetadata>(json) ?? throw new JsonException("empty");
            return read.Options();
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: the \"{Key}\" metadata is not a valid model description ({e.Message})", e);
        }
    }
}

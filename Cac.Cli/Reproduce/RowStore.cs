using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Cac.Cli.Commands;
using Cac.Cli.Reports;
using Cac.Cli.Training;
using Cac.Data;
using Cac.IO;
using Cac.Models;

namespace Cac.Cli.Reproduce;

/// <summary>
/// Trains one row of a reproduced table in its own directory, or reuses what an earlier run left there:
/// <list type="bullet">
/// <item>a finished row has <see cref="MarkerFile"/> (its settings and result, written atomically after the training and its
/// evaluation ended): reused as is when the settings equal the row's, without training;</item>
/// <item>a row left half-done has the training state `cac train` saves after every epoch (Cac.Cli/Training/TrainingState.cs):
/// it continues from there, exactly as `cac train --resume` does (bit-identical to an uninterrupted run on the CPU,
/// Cac.Tests/Cli/TrainResumeTests.cs), so a crash loses at most the epoch in progress;</item>
/// <item>otherwise the row trains from scratch.</item>
/// </list>
/// Saved settings that differ from the row's (the output directory aside) are refused with one line naming the row, the
/// setting and both values: the directory is never silently overwritten.
/// </summary>
internal static class RowStore
{
    /// <summary>The finished marker's file name inside a row directory.</summary>
    public const string MarkerFile = "row.json";

    private const string FormatName = "cac-reproduce-row";

    private static readonly JsonSerializerOptions JsonOptions = new(TrainingState.JsonOptions) { WriteIndented = true };

    /// <summary>The marker: the settings the row trained with and what it measured.</summary>
    private sealed record Marker(
        [property: JsonPropertyName("format")] string Format,
        [property: JsonPropertyName("settings")] TrainCommand.TrainSettings Settings,
        [property: JsonPropertyName("result")] RowResult Result);

    /// <summary>How a row was obtained.</summary>
    public enum Outcome
    {
        /// <summary>Trained from scratch.</summary>
        Trained,
        /// <summary>Continued from a saved training state.</summary>
        Resumed,
        /// <summary>Finished earlier; nothing trained.</summary>
        Reused,
    }

    /// <summary>
    /// The result of the row trained with <paramref name="settings"/> (whose <c>OutDir</c> is the row's directory): reused,
    /// resumed or trained, as the class summary says.
    /// </summary>
    /// <exception cref="ArgumentException">The directory holds a run with other settings (one line).</exception>
    public static (RowResult Result, Outcome Outcome) Run(string rowName, TrainCommand.TrainSettings settings)
    {
        string dir = settings.OutDir ?? throw new ArgumentException("RowStore: the row's settings need an output directory", nameof(settings));
        string marker = Path.Combine(dir, MarkerFile);
        if (File.Exists(marker))
        {
            var saved = Load(marker);
            Check(rowName, dir, saved.Settings, settings);
            return (saved.Result, Outcome.Reused);
        }
        var outcome = Outcome.Trained;
        if (File.Exists(Path.Combine(dir, TrainingState.FileName)))
        {
            var state = TrainingState.Load(dir);
            Check(rowName, dir, state.Document.Settings, settings);
            // Every epoch done but no marker (stopped while drawing the last figures): Run trains nothing and finishes the row.
            TrainCommand.Run(settings, state);
            outcome = Outcome.Resumed;
        }
        else TrainCommand.Run(settings);
        var result = Measure(settings);
        AtomicFile.WriteAllText(marker, JsonSerializer.Serialize(new Marker(FormatName, settings, result), JsonOptions));
        return (result, outcome);
    }

    /// <summary>
    /// Checks, before anything trains, that the row's directory holds nothing trained with other settings (a finished
    /// marker or a training state).
    /// </summary>
    /// <exception cref="ArgumentException">It does (one line naming the row, the setting and both values).</exception>
    public static void Verify(string rowName, TrainCommand.TrainSettings settings)
    {
        string dir = settings.OutDir!;
        string marker = Path.Combine(dir, MarkerFile);
        if (File.Exists(marker)) Check(rowName, dir, Load(marker).Settings, settings);
        else if (File.Exists(Path.Combine(dir, TrainingState.FileName))) Check(rowName, dir, TrainingState.Load(dir).Document.Settings, settings);
    }

    /// <summary>The result saved in the row directory's marker when it was trained with <paramref name="settings"/>; null otherwise.</summary>
    public static RowResult? Finished(TrainCommand.TrainSettings settings)
    {
        string marker = Path.Combine(settings.OutDir!, MarkerFile);
        if (!File.Exists(marker)) return null;
        var saved = Load(marker);
        return saved.Settings with { OutDir = settings.OutDir } == settings ? saved.Result : null;
    }

    private static Marker Load(string path)
    {
        Marker? m;
        try
        {
            string json = File.ReadAllText(path);
            m = JsonSerializer.Deserialize<Marker>(json, JsonOptions);
            if (m?.Settings is not null) m = m with { Settings = SavedSettings.WithOptionsLaterAdded(m.Settings, JsonNode.Parse(json)?["settings"] as JsonObject) };
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a finished-row marker ({e.Message}); delete it to train the row again", e);
        }
        if (m is null || m.Format != FormatName || m.Settings is null || m.Result is null)
            throw new InvalidDataException($"{path} is not a finished-row marker (format '{m?.Format}'); delete it to train the row again");
        return m;
    }

    // The first setting (OutDir aside: the directory may have been named another way) that differs, as an error.
    private static void Check(string rowName, string dir, TrainCommand.TrainSettings saved, TrainCommand.TrainSettings wanted)
    {
        foreach (var p in typeof(TrainCommand.TrainSettings).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.Name == nameof(TrainCommand.TrainSettings.OutDir) || p.GetIndexParameters().Length > 0 || p.Name == "EqualityContract") continue;
            object? a = p.GetValue(saved), b = p.GetValue(wanted);
            if (!Equals(a, b))
                throw new ArgumentException($"row '{rowName}': {dir} holds a run with {OptionName(p.Name)} {Format(a)}, but the row needs {OptionName(p.Name)} {Format(b)}; " +
                                            "choose another --out or delete that directory to train it again");
        }
    }

    // The `cac train` option of a TrainSettings property: "BatchSize" is --batch-size, "DataDir" --data.
    internal static string OptionName(string property) => property switch
    {
        nameof(TrainCommand.TrainSettings.DataDir) => "--data",
        nameof(TrainCommand.TrainSettings.OutDir) => "--out",
        _ => "--" + string.Concat(property.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString())),
    };

    private static string Format(object? value) => value switch
    {
        null => "(none)",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    // The last epoch of the row's metrics.json, with the MAdds a run's report shows (Cac.Cli/Reports/Table1Row.cs).
    private static RowResult Measure(TrainCommand.TrainSettings s)
    {
        string path = Path.Combine(s.OutDir!, "metrics.json");
        var metrics = JsonSerializer.Deserialize<RunMetrics>(File.ReadAllText(path))
                      ?? throw new InvalidDataException($"{path} is empty");
        var info = DatasetCatalog.Info(s.Dataset);
        int[] shape = [1, info.ImageShape.Channels, info.ImageShape.Height, info.ImageShape.Width];
        var net = ModelRegistry.Create(s.Model, info.ImageShape.Channels, info.ClassCount, new Generator(0));
        var row = Table1Row.From(metrics, RunReportContext.Measure(s, net, s.Model, shape, info.ClassCount));
        var last = metrics.Epochs[^1];
        return new RowResult(row.TestAccuracy, row.Madds ?? throw new InvalidDataException($"{path}: no MAdds for {s.Model}"),
            row.StandardMadds ?? throw new InvalidDataException($"{path}: no standard MAdds for {s.Model}"),
            metrics.Epochs.Count, metrics.Epochs.Sum(e => e.Seconds), last.SharpRatios is { Count: > 0 } r ? r.Values.Average() : null);
    }
}

using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cac.Madds;
using Cac.Models;
using Spectre.Console;

namespace Cac.Cli.Commands;

/// <summary>
/// `cac models`: every registered model (<see cref="ModelRegistry.Models"/>) with its conv type, default input, parameter
/// count and MAdds per image at that input. Each model is built with fresh weights and counted with one forward pass
/// (<see cref="MaddsCounter"/>), so content-aware models show their fresh-init cost (every window sharp).
/// </summary>
internal static class ModelsCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var filter = new Option<string?>("--filter") { Description = "Only models whose name contains this text (the full list builds and runs every model: a minute or more on a CPU)" };
        var command = new Command("models", "List the registered models with conv type, parameters and MAdds at their default input size")
        {
            json, filter,
        };
        command.SetAction(parse => Run(SettingsFrom(parse), Console.Out));
        return command;
    }

    /// <summary>The options of `cac models`: JSON instead of a table, and a text the listed model names must contain.</summary>
    internal sealed record ModelsSettings(bool Json = false, string? Filter = null);

    /// <summary>The settings of a parsed `cac models` command line (options left out take their defaults).</summary>
    internal static ModelsSettings SettingsFrom(ParseResult parse) => new(Json: parse.GetValue<bool>("--json"), Filter: parse.GetValue<string?>("--filter"));

    /// <summary>The JSON document: {"models": [...]}.</summary>
    internal sealed record ModelsJson([property: JsonPropertyName("models")] IReadOnlyList<ModelJson> Models);

    /// <summary>One model of <see cref="ModelsJson"/>.</summary>
    internal sealed record ModelJson(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("base")] string BaseName,
        [property: JsonPropertyName("family")] string Family,
        [property: JsonPropertyName("conv_type")] string ConvType,
        [property: JsonPropertyName("dataset")] string Dataset,
        [property: JsonPropertyName("input")] int[] Input,
        [property: JsonPropertyName("classes")] int Classes,
        [property: JsonPropertyName("parameters")] long Parameters,
        [property: JsonPropertyName("madds")] long Madds);

    internal static int Run(ModelsSettings s, TextWriter output)
    {
        var infos = ModelRegistry.Models
            .Where(m => s.Filter is null || m.Name.Contains(s.Filter, StringComparison.OrdinalIgnoreCase)).ToList();
        if (infos.Count == 0)
            throw new ArgumentException($"no model name contains '{s.Filter}'; known models: {string.Join(", ", ModelRegistry.Names)}");
        var rows = new List<ModelJson>(infos.Count);
        bool showProgress = !Console.IsErrorRedirected;
        foreach (var info in infos)
        {
            if (showProgress) Console.Error.Write($"\rcounting {rows.Count + 1}/{infos.Count}: {info.Name}".PadRight(60));
            rows.Add(Describe(info));
        }
        if (showProgress) Console.Error.Write("\r" + new string(' ', 60) + "\r");
        if (s.Json)
        {
            output.WriteLine(JsonSerializer.Serialize(new ModelsJson(rows), JsonOptions));
            return 0;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        // Redirected output (a file, a pipe, a test) is not wrapped at Spectre's default 80 columns.
        if (!ReferenceEquals(output, Console.Out) || Console.IsOutputRedirected) console.Profile.Width = 200;
        var table = new Table().AddColumns("model", "family", "conv type", "input", "classes")
            .AddColumn(new TableColumn("parameters").RightAligned()).AddColumn(new TableColumn("MAdds").RightAligned());
        foreach (var r in rows)
            table.AddRow(Markup.Escape(r.Name), r.Family, r.ConvType, $"{r.Input[0]}x{r.Input[1]}x{r.Input[2]}",
                r.Classes.ToString(CultureInfo.InvariantCulture), r.Parameters.ToString("N0", CultureInfo.InvariantCulture),
                FormatMadds(r.Madds));
        console.Write(table);
        if (rows.Any(r => r.ConvType.StartsWith("Cac", StringComparison.Ordinal)))
            console.MarkupLine("[grey]Content-aware models: fresh-init cost (every window sharp); `cac eval` reports a trained model's cost.[/]");
        return 0;
    }

    private static ModelJson Describe(ModelInfo info)
    {
        var net = ModelRegistry.Create(info.Name, new Generator(0));
        long madds = MaddsCounter.Count(net, info.InputShape(1)).TotalMadds;
        return new ModelJson(info.Name, info.BaseName, info.Family, info.ConvType.ToString(), info.Dataset,
            [info.InputChannels, info.InputSize, info.InputSize], info.NumClasses, net.ParameterCount(), madds);
    }

    private static string FormatMadds(long madds) => madds >= 1_000_000_000
        ? string.Create(CultureInfo.InvariantCulture, $"{madds / 1e9:F2}G")
        : string.Create(CultureInfo.InvariantCulture, $"{madds / 1e6:F2}M");
}

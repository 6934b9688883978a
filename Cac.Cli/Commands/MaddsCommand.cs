using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cac.Madds;
using Cac.Models;
using Spectre.Console;

namespace Cac.Cli.Commands;

/// <summary>`cac madds`: counts a model's multiply-adds per layer with a forward pass on a dummy input.</summary>
internal static class MaddsCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model name", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var inputSize = new Option<int>("--input-size") { Description = "Input height and width", DefaultValueFactory = _ => 32 };
        var inChannels = new Option<int>("--in-channels") { Description = "Input channels", DefaultValueFactory = _ => 3 };
        var classes = new Option<int>("--classes") { Description = "Number of classes", DefaultValueFactory = _ => 10 };

        var command = new Command("madds", "Count a model's multiply-adds (conv and linear layers) for one input")
        {
            model, json, inputSize, inChannels, classes,
        };
        command.SetAction(parse => Run(new MaddsSettings(parse.GetValue(model)!, parse.GetValue(json), parse.GetValue(inputSize),
            parse.GetValue(inChannels), parse.GetValue(classes)), Console.Out));
        return command;
    }

    internal sealed record MaddsSettings(string Model, bool Json, int InputSize, int InChannels, int Classes)
    {
        public void Validate()
        {
            if (InputSize < 1) throw new ArgumentException($"--input-size must be at least 1, got {InputSize}");
            if (InChannels < 1) throw new ArgumentException($"--in-channels must be at least 1, got {InChannels}");
            if (Classes < 1) throw new ArgumentException($"--classes must be at least 1, got {Classes}");
        }
    }

    /// <summary>The JSON document: {"model", "total_madds", "layers": [{"name", "type", "madds"}]}.</summary>
    internal sealed record MaddsJson(
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("total_madds")] long TotalMadds,
        [property: JsonPropertyName("layers")] IReadOnlyList<LayerJson> Layers);

    /// <summary>One layer of <see cref="MaddsJson"/>.</summary>
    internal sealed record LayerJson(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("type")] string Type,
        [property: JsonPropertyName("madds")] long Madds);

    internal static int Run(MaddsSettings s, TextWriter output)
    {
        s.Validate();
        var net = ModelRegistry.Create(s.Model, s.InChannels, s.Classes, new Generator(0));
        var report = MaddsCounter.Count(net, 1, s.InChannels, s.InputSize, s.InputSize);
        if (s.Json)
        {
            var doc = new MaddsJson(s.Model, report.TotalMadds, report.Layers.Select(l => new LayerJson(l.Name, l.Type, l.Madds)).ToList());
            output.WriteLine(JsonSerializer.Serialize(doc, JsonOptions));
            return 0;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        var table = new Table().Title($"{Markup.Escape(s.Model)}: MAdds for one ({s.InChannels}, {s.InputSize}, {s.InputSize}) input");
        table.AddColumn("Layer");
        table.AddColumn("Type");
        table.AddColumn(new TableColumn("MAdds").RightAligned());
        foreach (var layer in report.Layers)
            table.AddRow(Markup.Escape(layer.Name), Markup.Escape(layer.Type), $"{layer.Madds:N0}");
        table.AddEmptyRow();
        table.AddRow("[bold]total[/]", "", $"[bold]{report.TotalMadds:N0}[/] ({report.TotalMadds / 1e6:F2}M)");
        console.Write(table);
        return 0;
    }
}

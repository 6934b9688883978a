using System.Text.Json;
using Cac.Cli;
using Cac.Cli.Commands;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>`cac madds` run in-process.</summary>
[Collection(ConsoleCollection.Name)]
public class MaddsCommandTests
{
    [Fact]
    public void Json_output_has_the_model_total_and_layers()
    {
        var output = new StringWriter();
        MaddsCommand.Run(new MaddsCommand.MaddsSettings("resnet20", Json: true, InputSize: 32, InChannels: 3, Classes: 10), output)
            .Should().Be(0);
        using var doc = JsonDocument.Parse(output.ToString());
        var root = doc.RootElement;
        root.GetProperty("model").GetString().Should().Be("resnet20");
        root.GetProperty("total_madds").GetInt64().Should().Be(40_813_184);
        var layers = root.GetProperty("layers").EnumerateArray().ToList();
        layers.Sum(l => l.GetProperty("madds").GetInt64()).Should().Be(40_813_184);
        layers[0].GetProperty("name").GetString().Should().Be("conv1");
        layers[0].GetProperty("type").GetString().Should().Be("Conv2d");
        layers[^1].GetProperty("name").GetString().Should().Be("fc");
    }

    [Fact]
    public void Options_change_the_input_and_classifier()
    {
        var output = new StringWriter();
        MaddsCommand.Run(new MaddsCommand.MaddsSettings("resnet20", true, InputSize: 28, InChannels: 1, Classes: 4), output);
        using var doc = JsonDocument.Parse(output.ToString());
        var layers = doc.RootElement.GetProperty("layers").EnumerateArray().ToList();
        layers[0].GetProperty("madds").GetInt64().Should().Be(1L * 16 * 9 * 28 * 28);
        layers[^1].GetProperty("madds").GetInt64().Should().Be(64 * 4);
    }

    [Fact]
    public void Without_shape_options_a_model_is_counted_at_its_own_input_and_classes()
    {
        var (code, stdout, _) = ConsoleCollection.Capture(() => Program.Main(["madds", "--model", "resnet18", "--json"]));
        code.Should().Be(0);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        root.GetProperty("input").GetString().Should().Contain("(1, 3, 224, 224)").And.Contain("1000 classes");
        var layers = root.GetProperty("layers").EnumerateArray().ToList();
        layers[0].GetProperty("madds").GetInt64().Should().Be(3L * 64 * 7 * 7 * 112 * 112, "the stem at 224 x 224");
        layers[^1].GetProperty("madds").GetInt64().Should().Be(512L * 1000, "a 1000-class classifier");
        (root.GetProperty("total_madds").GetInt64() / 1e9).Should().BeApproximately(1.81, 0.005, "the paper's 1.81G for ResNet-18");
    }

    [Fact]
    public void Shape_options_with_a_dataset_are_refused_in_one_line()
    {
        var (code, _, stderr) = ConsoleCollection.Capture(() => Program.Main(["madds", "--model", "resnet20", "--dataset", "fashion-mnist", "--classes", "7"]));
        code.Should().NotBe(0);
        stderr.Trim().Should().Be("error: --dataset sets the input shape and classes: drop --input-size, --in-channels and --classes");
    }

    [Fact]
    public void Table_output_lists_layers_and_the_total()
    {
        var output = new StringWriter();
        MaddsCommand.Run(new MaddsCommand.MaddsSettings("oct-resnet20", false, 32, 3, 10), output).Should().Be(0);
        var text = output.ToString();
        text.Should().Contain("layer1.0.conv1").And.Contain("OctaveConv2d").And.Contain("total").And.Contain("fc");
    }

    [Fact]
    public void Program_main_prints_json_and_reports_an_unknown_model_without_a_stack_trace()
    {
        var (code, stdout, _) = ConsoleCollection.Capture(() => Program.Main(["madds", "--model", "resnet32", "--json"]));
        code.Should().Be(0);
        using (var doc = JsonDocument.Parse(stdout))
            doc.RootElement.GetProperty("total_madds").GetInt64().Should().Be(69_124_736);

        var (badCode, _, stderr) = ConsoleCollection.Capture(() => Program.Main(["madds", "--model", "resnet-nope"]));
        badCode.Should().NotBe(0);
        stderr.Should().Contain("unknown model 'resnet-nope'").And.Contain("resnet20").And.Contain("oct-resnet20");
        stderr.Should().NotContain("   at ");
    }
}

/// <summary>Tests that redirect the process-wide console run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "Console";

    /// <summary>Runs <paramref name="action"/> with stdout and stderr captured.</summary>
    public static (int Code, string Stdout, string Stderr) Capture(Func<int> action)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        try
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            int code = action();
            return (code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }
}

using System.Text.Json;
using Cac.Cli;
using Cac.Cli.Commands;
using Cac.Models;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>`cac models` run in-process (filtered to the ResNet-20 variants: the full list builds every model).</summary>
[Collection(ConsoleCollection.Name)]
public class ModelsCommandTests
{
    [Fact]
    public void Json_lists_each_matching_model_with_conv_type_parameters_and_madds()
    {
        var output = new StringWriter();
        ModelsCommand.Run(new ModelsCommand.ModelsSettings(Json: true, Filter: "resnet20"), output).Should().Be(0);
        using var doc = JsonDocument.Parse(output.ToString());
        var models = doc.RootElement.GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
        models.Keys.Should().BeEquivalentTo(ModelRegistry.Names.Where(n => n.Contains("resnet20", StringComparison.Ordinal)));
        models.Keys.Should().Contain(["resnet20", "oct-resnet20", "cac-resnet20", "cac-oct-resnet20"]);

        var standard = models["resnet20"];
        standard.GetProperty("conv_type").GetString().Should().Be("Standard");
        standard.GetProperty("family").GetString().Should().Be("resnet");
        standard.GetProperty("input").EnumerateArray().Select(e => e.GetInt32()).Should().Equal(3, 32, 32);
        standard.GetProperty("classes").GetInt32().Should().Be(10);
        standard.GetProperty("madds").GetInt64().Should().Be(40_813_184, "docs/design.md: ResNet-20 at 32 x 32");
        standard.GetProperty("parameters").GetInt64().Should().Be(ModelRegistry.Create("resnet20").ParameterCount());

        var cac = models["cac-resnet20"];
        cac.GetProperty("conv_type").GetString().Should().Be("Cac");
        // Fresh init: every window sharp, each of the 19 CAC layers adds 13 per output position.
        cac.GetProperty("madds").GetInt64().Should().Be(40_813_184 + 13 * (7 * 1024 + 6 * 256 + 6 * 64));
        // Two learnable scalars (gamma, beta) per CAC layer.
        cac.GetProperty("parameters").GetInt64().Should().Be(standard.GetProperty("parameters").GetInt64() + 2 * 19);
        models["oct-resnet20"].GetProperty("conv_type").GetString().Should().Be("Octave");
        models["oct-resnet20"].GetProperty("madds").GetInt64().Should().BeLessThan(40_813_184);
    }

    [Fact]
    public void Table_lists_models_and_an_unknown_filter_is_an_error()
    {
        var output = new StringWriter();
        ModelsCommand.Run(new ModelsCommand.ModelsSettings(Filter: "cac-resnet20"), output).Should().Be(0);
        output.ToString().Should().Contain("cac-resnet20").And.Contain("Cac").And.Contain("fresh-init cost").And.NotContain("oct-resnet20");

        var (code, _, stderr) = ConsoleCollection.Capture(() => Program.Main(["models", "--filter", "nope-net"]));
        code.Should().Be(1);
        stderr.Should().Contain("no model name contains 'nope-net'").And.Contain("resnet20");
    }
}

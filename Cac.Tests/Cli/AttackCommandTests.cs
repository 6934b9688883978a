using System.Text.Json;
using Cac.Cli.Commands;
using Cac.Tests.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>`cac attack` run in-process on a 12-image Fashion-MNIST test split the test writes itself.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class AttackCommandTests : IDisposable
{
    private static readonly byte[] TestLabels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 3];
    private readonly TempDir _dir = new();

    public AttackCommandTests()
    {
        IdxFiles.WriteSplit(_dir, "t10k", TestLabels, "fashion-mnist");
    }

    public void Dispose() => _dir.Dispose();

    private string Weights(string model, int inChannels = 1)
    {
        string path = Path.Combine(_dir.Path, model + ".safetensors");
        WeightFiles.Save(path, model, inChannels, 10, seed: 3);
        return path;
    }

    private AttackCommand.AttackSettings Settings(string model, string method) =>
        new(model, Weights(model), "fashion-mnist", _dir.Path, method, Steps: 2, BatchSize: 5);

    private static JsonElement Json(AttackCommand.AttackSettings s)
    {
        var output = new StringWriter();
        AttackCommand.Run(s with { Json = true }, output).Should().Be(0);
        using var doc = JsonDocument.Parse(output.ToString());
        return doc.RootElement.Clone();
    }

    [Theory]
    [InlineData("resnet20", "fgsm")]
    [InlineData("cac-resnet20", "mifgsm")]
    [InlineData("resnet20", "pgd")]
    public void Json_reports_the_clean_and_adversarial_accuracy_of_the_attack(string model, string method)
    {
        var json = Json(Settings(model, method));
        json.GetProperty("method").GetString().Should().Be(method);
        json.GetProperty("images").GetInt64().Should().Be(12);
        json.GetProperty("eps").GetDouble().Should().BeApproximately(8.0 / 255, 1e-12);
        json.GetProperty("steps").GetInt32().Should().Be(method == "fgsm" ? 1 : 2);
        json.GetProperty("random_start").GetBoolean().Should().Be(method == "pgd", "pgd starts at a random point by default, the others at the image");
        double clean = json.GetProperty("clean_accuracy").GetDouble(), robust = json.GetProperty("adversarial_accuracy").GetDouble();
        clean.Should().BeInRange(0, 1);
        robust.Should().BeLessThanOrEqualTo(clean + 1e-12, "on an untrained network an attack can only flip hits to misses here, very rarely the other way")
            .And.BeGreaterThanOrEqualTo(0);
        json.GetProperty("adversarial_error").GetDouble().Should().BeApproximately(1 - robust, 1e-12);
    }

    [Fact]
    public void Eps_zero_leaves_the_clean_accuracy_and_save_examples_writes_the_figure()
    {
        string figures = Path.Combine(_dir.Path, "figs");
        var json = Json(Settings("resnet20", "pgd") with { Eps = 0, RandomStart = false, SaveExamples = figures });
        json.GetProperty("adversarial_accuracy").GetDouble().Should().Be(json.GetProperty("clean_accuracy").GetDouble());
        PngFile.ShouldBePng(Path.Combine(figures, AttackCommand.ExamplesFile), 660, 5 * 240); // 3 panels x the first batch's 5 images
    }

    [Fact]
    public void Bad_input_fails_in_one_line()
    {
        var s = Settings("resnet20", "pgd");
        foreach (var (settings, message) in new (AttackCommand.AttackSettings, string)[]
        {
            (s with { Eps = 1.5 }, "eps must lie in [0, 1]*got 1.5"),
            (s with { Eps = -0.01 }, "eps must lie in [0, 1]*got -0.01"),
            (s with { Steps = -1 }, "--steps must be >= 0, got -1"),
            (s with { Method = "fgsm", RandomStart = true }, "--random-start true applies to pgd only, not fgsm"),
            (s with { Weights = Weights("resnet20", inChannels: 3) }, "*is for 3 input channel(s)*not 1*"),
        })
        {
            var act = () => AttackCommand.Run(settings, TextWriter.Null);
            act.Should().Throw<ArgumentException>().WithMessage(message).Which.Message.Should().NotContain("\n");
        }
    }
}

using Cac.Cli;
using Cac.Cli.Commands;
using Cac.Serialization;
using Cac.Tests.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>`cac predict` run in-process on a tiny input (resnet20, 1 channel, 4 classes, 8 x 8 images).</summary>
[Collection(ConsoleCollection.Name)]
public sealed class PredictCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string PathOf(string name) => Path.Combine(_dir.Path, name);

    // Weights of a resnet20 for 1 channel and 4 classes, with non-default batch-norm statistics.
    private string Weights(string model = "resnet20", int inChannels = 1, int classes = 4, int seed = 5)
    {
        string path = PathOf($"{model}-{inChannels}-{classes}.safetensors");
        WeightFiles.Save(path, model, inChannels, classes, seed, net =>
        {
            foreach (var (name, t) in net.StateDict())
                if (name.EndsWith("running_mean", StringComparison.Ordinal)) t.CopyFrom(Tensor.RandN(t.Shape, new Generator(seed + 1), std: 0.1));
        });
        return path;
    }

    private string Input(int[] shape, int seed = 9)
    {
        string path = PathOf($"x{string.Join("x", shape)}.npy");
        Npy.Save(path, Tensor.RandN(shape, new Generator(seed)));
        return path;
    }

    [Fact]
    public void Logits_match_the_models_own_forward_in_eval_mode_over_uneven_batches()
    {
        string weights = Weights();
        string input = Input([5, 1, 8, 8]);
        string output = PathOf("logits.npy");
        var log = new StringWriter();
        PredictCommand.Run(new PredictCommand.PredictSettings("resnet20", weights, input, output, BatchSize: 3), log).Should().Be(0);
        log.ToString().Should().Contain("logits (5, 4)");

        var logits = Npy.Load(output);
        logits.DType.Should().Be(DType.Float32);
        logits.Shape.Should().Equal(5, 4);
        // Independently: the same weights, loaded into a fresh model, run on the whole input at once.
        var net = WeightFiles.LoadForEval(weights, "resnet20", 1, 4, seed: 99);
        float[] expected;
        using (Autograd.NoGrad()) expected = net.Forward(Npy.Load(input)).ToFloatArray();
        var actual = logits.ToFloatArray();
        for (int i = 0; i < expected.Length; i++) actual[i].Should().BeApproximately(expected[i], 1e-4f, $"logit {i}");
        // Training-mode batch statistics would give other values: eval mode really was used.
        net.Train();
        var trainMode = net.Forward(Npy.Load(input)).ToFloatArray();
        actual.Zip(trainMode).Should().Contain(p => Math.Abs(p.First - p.Second) > 1e-3);
    }

    [Fact]
    public void Classes_and_channels_come_from_the_weights_and_options_must_agree_with_them()
    {
        string weights = Weights(inChannels: 2, classes: 7);
        string input = Input([2, 2, 6, 6]);
        PredictCommand.Run(new PredictCommand.PredictSettings("resnet20", weights, input, PathOf("a.npy")), TextWriter.Null);
        Npy.Load(PathOf("a.npy")).Shape.Should().Equal(2, 7);
        PredictCommand.Run(new PredictCommand.PredictSettings("resnet20", weights, input, PathOf("b.npy"), Classes: 7, InChannels: 2), TextWriter.Null);
        Npy.Load(PathOf("b.npy")).ToFloatArray().Should().Equal(Npy.Load(PathOf("a.npy")).ToFloatArray());

        var wrongClasses = () => PredictCommand.Run(new PredictCommand.PredictSettings("resnet20", weights, input, PathOf("c.npy"), Classes: 10), TextWriter.Null);
        wrongClasses.Should().Throw<ArgumentException>().WithMessage("*is for 7 classes (fc.weight has shape (7, 64)), not 10*");
        var wrongChannels = () => PredictCommand.Run(new PredictCommand.PredictSettings("resnet20", weights, input, PathOf("c.npy"), InChannels: 3), TextWriter.Null);
        wrongChannels.Should().Throw<ArgumentException>().WithMessage("*is for 2 input channel(s)*not 3*");
        File.Exists(PathOf("c.npy")).Should().BeFalse();
    }

    [Fact]
    public void Content_aware_and_octave_models_predict_too()
    {
        foreach (var model in new[] { "cac-resnet20", "oct-resnet20" })
        {
            string weights = Weights(model, 1, 3);
            PredictCommand.Run(new PredictCommand.PredictSettings(model, weights, Input([2, 1, 8, 8]), PathOf(model + ".npy")), TextWriter.Null).Should().Be(0);
            var logits = Npy.Load(PathOf(model + ".npy"));
            logits.Shape.Should().Equal(2, 3);
            logits.ToFloatArray().Should().OnlyContain(v => float.IsFinite(v));
        }
    }

    [Fact]
    public void Inputs_of_the_wrong_rank_channels_or_dtype_are_clear_errors()
    {
        string weights = Weights();
        void Fails(string input, string message)
        {
            var act = () => PredictCommand.Run(new PredictCommand.PredictSettings("resnet20", weights, input, PathOf("out.npy")), TextWriter.Null);
            act.Should().Throw<ArgumentException>().WithMessage(message);
            File.Exists(PathOf("out.npy")).Should().BeFalse();
        }
        Fails(Input([4, 8, 8]), "*has shape (4, 8, 8); predict needs images of shape (N, C, H, W)*");
        Fails(Input([2, 3, 8, 8]), "*has 3 channel(s) (shape (2, 3, 8, 8)), but model 'resnet20' with these weights takes 1*");
        Fails(Input([0, 1, 8, 8]), "*holds no image*");
        string ints = PathOf("ints.npy");
        Npy.Save(ints, Tensor.FromArray(new int[64], [1, 1, 8, 8]));
        Fails(ints, "*int32*");
    }

    [Fact]
    public void Missing_files_and_mismatched_weights_are_clear_errors()
    {
        string weights = Weights();
        string input = Input([1, 1, 8, 8]);
        var noInput = () => PredictCommand.Run(new PredictCommand.PredictSettings("resnet20", weights, PathOf("none.npy"), PathOf("o.npy")), TextWriter.Null);
        noInput.Should().Throw<FileNotFoundException>().WithMessage("--input: file '*none.npy' not found");
        var noWeights = () => PredictCommand.Run(new PredictCommand.PredictSettings("resnet20", PathOf("none.safetensors"), input, PathOf("o.npy")), TextWriter.Null);
        noWeights.Should().Throw<FileNotFoundException>().WithMessage("--weights: file '*none.safetensors' not found");

        // resnet32 has more blocks: its weights hold keys resnet20 lacks; cac-resnet20 needs gamma/beta that resnet20 weights lack.
        var otherModel = () => PredictCommand.Run(new PredictCommand.PredictSettings("resnet20", Weights("resnet32"), input, PathOf("o.npy")), TextWriter.Null);
        otherModel.Should().Throw<ArgumentException>().WithMessage("*does not match model 'resnet20'*key(s) are not in the model (layer1.3.conv1.weight*more)*");
        var missing = () => PredictCommand.Run(new PredictCommand.PredictSettings("cac-resnet20", weights, input, PathOf("o.npy")), TextWriter.Null);
        missing.Should().Throw<ArgumentException>().WithMessage("*does not match model 'cac-resnet20'*key(s) are missing (conv1.gamma, conv1.beta*");

        string corrupt = PathOf("corrupt.npy");
        File.WriteAllBytes(corrupt, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        var bad = () => PredictCommand.Run(new PredictCommand.PredictSettings("resnet20", weights, corrupt, PathOf("o.npy")), TextWriter.Null);
        bad.Should().Throw<InvalidDataException>().WithMessage("*corrupt.npy*bad magic*");
        File.Exists(PathOf("o.npy")).Should().BeFalse();
    }

    [Fact]
    public void Program_main_runs_predict_and_reports_errors_in_one_line()
    {
        string weights = Weights();
        string input = Input([3, 1, 8, 8]);
        string output = PathOf("main.npy");
        var (code, stdout, stderr) = ConsoleCollection.Capture(() => Program.Main(["predict", "--model", "resnet20", "--weights", weights,
            "--input", input, "--output", output, "--batch-size", "2", "--device", "cpu"]));
        code.Should().Be(0, stderr);
        stdout.Should().Contain("wrote");
        Npy.Load(output).Shape.Should().Equal(3, 4);

        var (badCode, _, badErr) = ConsoleCollection.Capture(() => Program.Main(["predict", "--model", "resnet20", "--weights", weights,
            "--input", Input([3, 2, 8, 8]), "--output", output]));
        badCode.Should().Be(1);
        badErr.Should().StartWith("error: ").And.Contain("has 2 channel(s)").And.NotContain("   at ");

        var (zeroCode, _, zeroErr) = ConsoleCollection.Capture(() => Program.Main(["predict", "--model", "resnet20", "--weights", weights,
            "--input", input, "--output", output, "--batch-size", "0"]));
        zeroCode.Should().Be(1);
        zeroErr.Should().Contain("--batch-size must be at least 1");
    }
}

using Cac.Cli.Training;
using Cac.Models;
using Cac.Models.ResNet;
using Cac.Nn;
using Cac.Serialization;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Models;

/// <summary>Content-aware CIFAR ResNets: which layers are CAC, names, checkpoints from standard ResNets, forward and backward.</summary>
public class CacResNetModelTests
{
    // Parameters and buffers (num_batches_tracked is an integer buffer) as doubles.
    private static double[] Values(Tensor t) => t.DType.IsFloatingPoint() ? t.ToDoubleArray() : t.ToIntArray().Select(v => (double)v).ToArray();

    private static List<(string Name, Module Module)> Convs(Module net) =>
        net.NamedModules().Where(m => m.Module is Conv2d or ContentAwareConv2d).ToList();

    [Fact]
    public void Registry_lists_the_content_aware_resnets()
    {
        ModelRegistry.Names.Should().Contain(["cac-resnet20", "cac-resnet32", "cac-resnet56", "cac-resnet110",
            "cac-oct-resnet20", "cac-oct-resnet32", "cac-oct-resnet56", "cac-oct-resnet110"]);
        ModelRegistry.Create("cac-resnet56", 3, 10).Should().BeOfType<CifarResNet>()
            .Which.Should().Match<CifarResNet>(n => n.BlocksPerStage == 9 && n.ConvType == ConvType.Cac);
        ModelRegistry.Create("cac-oct-resnet32", 3, 10).Should().BeOfType<OctaveCifarResNet>()
            .Which.Should().Match<OctaveCifarResNet>(n => n.BlocksPerStage == 5 && n.ConvType == ConvType.CacOctave);
    }

    [Fact]
    public void Cac_resnet20_makes_every_3x3_conv_content_aware_and_keeps_the_1x1_shortcuts()
    {
        var convs = Convs(ModelRegistry.Create("cac-resnet20", 3, 10));
        var cac = convs.Where(c => c.Module is ContentAwareConv2d).Select(c => c.Name).ToList();
        cac.Should().HaveCount(19).And.Contain(["conv1", "layer1.0.conv1", "layer2.0.conv1", "layer3.2.conv2"]);
        convs.Where(c => c.Module is Conv2d).Select(c => c.Name).Should().Equal("layer2.0.shortcut.0", "layer3.0.shortcut.0");
        convs.Where(c => c.Module is Conv2d).Should().OnlyContain(c => ((Conv2d)c.Module).KernelSize == 1);
        convs.Select(c => c.Module).OfType<ContentAwareConv2d>().Should()
            .OnlyContain(c => c.KernelSize == 3 && c.Bias == null && c.Gamma.Item() == 1 && c.Beta.Item() == 0);
    }

    [Fact]
    public void Cac_oct_resnet20_makes_every_path_conv_and_the_stem_content_aware()
    {
        var convs = Convs(ModelRegistry.Create("cac-oct-resnet20", 3, 10));
        var cac = convs.Where(c => c.Module is ContentAwareConv2d).Select(c => c.Name).ToList();
        cac.Should().Contain(["conv1", "layer1.0.conv1.h2h", "layer1.0.conv1.h2l", "layer2.1.conv1.l2l", "layer2.1.conv1.l2h",
            "layer3.2.conv2.h2h", "layer3.2.conv2.l2h"]);
        // Stem 1 + first conv (h2h, h2l) 2 + 16 full octave convs x 4 + last conv (h2h, l2h) 2.
        cac.Should().HaveCount(1 + 2 + 16 * 4 + 2);
        convs.Where(c => c.Module is Conv2d).Should().NotBeEmpty().And
            .OnlyContain(c => c.Name.Contains(".shortcut.0.", StringComparison.Ordinal) && ((Conv2d)c.Module).KernelSize == 1);
    }

    [Fact]
    public void Cac_resnet20_has_the_resnet20_parameters_plus_gamma_and_beta_and_the_same_initial_weights()
    {
        var standard = ModelRegistry.Create("resnet20", 3, 10, new Generator(5));
        var cac = ModelRegistry.Create("cac-resnet20", 3, 10, new Generator(5));
        var cacNames = cac.NamedParameters().Select(p => p.Name).ToList();
        cacNames.Where(n => !n.EndsWith(".gamma", StringComparison.Ordinal) && !n.EndsWith(".beta", StringComparison.Ordinal))
            .Should().Equal(standard.NamedParameters().Select(p => p.Name));
        cacNames.Should().Contain(["conv1.gamma", "conv1.beta", "layer2.0.conv1.gamma", "layer3.2.conv2.beta"]);
        cacNames.Count(n => n.EndsWith(".gamma", StringComparison.Ordinal)).Should().Be(19);
        cacNames.Count(n => n.EndsWith(".beta", StringComparison.Ordinal)).Should().Be(19);
        cacNames.IndexOf("conv1.gamma").Should().Be(cacNames.IndexOf("conv1.weight") + 1);
        var standardState = standard.StateDict();
        foreach (var (name, value) in cac.StateDict().Where(kv => standardState.ContainsKey(kv.Key)))
            Values(value).Should().Equal(Values(standardState[name]), $"{name}: same seed, same draws");
    }

    [Fact]
    public void A_resnet20_checkpoint_initialises_cac_resnet20_and_reports_the_missing_gamma_and_beta()
    {
        var standard = ModelRegistry.Create("resnet20", 3, 10, new Generator(1));
        var x = RandF(2, 2, 3, 32, 32);
        standard.Train();
        standard.Forward(x);   // move the batch-norm running statistics away from their initial values
        string dir = Directory.CreateTempSubdirectory("cac-init-").FullName;
        try
        {
            string path = Path.Combine(dir, "model.safetensors");
            SafeTensors.Save(path, standard.StateDict());

            var cac = ModelRegistry.Create("cac-resnet20", 3, 10, new Generator(2));
            var result = CheckpointInit.Load(cac, path);
            result.Missing.Should().HaveCount(38).And.OnlyContain(k => k.EndsWith(".gamma", StringComparison.Ordinal) || k.EndsWith(".beta", StringComparison.Ordinal));
            result.Unexpected.Should().BeEmpty();
            result.Loaded.Should().Be(standard.StateDict().Count);
            var loaded = cac.StateDict();
            foreach (var (name, value) in standard.StateDict())
                Values(loaded[name]).Should().Equal(Values(value), name);

            // Fresh gamma = 1, beta = 0: every window of this random input is sharp, so the CAC net computes the standard net.
            standard.Eval();
            cac.Eval();
            var expected = standard.Forward(x).ToFloatArray();
            var actual = cac.Forward(x).ToFloatArray();
            cac.NamedModules().Select(m => m.Module).OfType<ContentAwareConv2d>().Should().OnlyContain(c => c.LastSharpRatio == 1);
            MaxAbsDiff(actual, expected).Should().BeLessThan(1e-4);

            // Strict loading fails on the missing keys; a checkpoint with other shapes fails even non-strictly.
            var strict = () => ModelRegistry.Create("cac-resnet20", 3, 10).LoadStateDict(SafeTensors.Load(path));
            strict.Should().Throw<ArgumentException>().WithMessage("*Missing key(s)*conv1.gamma*");
            var otherShapes = () => CheckpointInit.Load(ModelRegistry.Create("cac-resnet20", 1, 10), path);
            otherShapes.Should().Throw<ArgumentException>().WithMessage("*size mismatch for conv1.weight*");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("cac-resnet20")]
    [InlineData("cac-oct-resnet20")]
    public void Forward_and_backward_reach_every_parameter(string name)
    {
        var net = ModelRegistry.Create(name, 3, 10, new Generator(3));
        var cacs = net.NamedModules().Select(m => m.Module).OfType<ContentAwareConv2d>().ToList();
        foreach (var c in cacs) c.Beta.CopyFrom(Tensor.Full([1], -0.5, DType.Float32));   // a mix of sharp and smooth windows
        var logits = net.Forward(RandF(4, 2, 3, 32, 32));
        logits.Shape.Should().Equal(2, 10);
        Ops.CrossEntropy(logits, Tensor.FromArray([1, 7], [2])).Backward();
        foreach (var (pname, p) in net.NamedParameters())
        {
            p.Grad.Should().NotBeNull(pname);
            p.Grad!.ToFloatArray().Should().OnlyContain(v => float.IsFinite(v), pname);
        }
        cacs.Should().Contain(c => c.LastSharpRatio > 0 && c.LastSharpRatio < 1);
        cacs.Select(c => Math.Abs(c.Beta.Grad!.Item())).Sum().Should().BeGreaterThan(0, "the straight-through gate reaches beta");
    }
}

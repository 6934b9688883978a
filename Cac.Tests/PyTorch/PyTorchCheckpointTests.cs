using Cac.Models;
using Cac.Nn;
using Cac.Serialization;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.PyTorch;

/// <summary>
/// The Python -> C# half of the safetensors round trip: checkpoints of PyTorch CIFAR ResNets with Cac's architecture
/// (fixtures/cac_reference.py; written by fixtures/make_cac_fixtures.py into Fixtures/ckpt_&lt;model&gt;.safetensors, with
/// random batch-norm statistics and, for CAC, per-layer gamma and beta) load strictly into
/// <see cref="ModelRegistry.Create(string, Generator?)"/>'s model, which then reproduces PyTorch's evaluation-mode logits
/// for the fixed input in Fixtures/ckpt_&lt;model&gt;_io.safetensors and, for CAC, every layer's sharp ratio exactly.
/// </summary>
[Trait("Category", "PyTorchFixture")]
public class PyTorchCheckpointTests
{
    [Theory]
    [InlineData("resnet20", CacPath.Sparse, DType.Float32)]
    [InlineData("resnet20", CacPath.Sparse, DType.Float64)]
    [InlineData("cac-resnet20", CacPath.Sparse, DType.Float32)]
    [InlineData("cac-resnet20", CacPath.Dense, DType.Float32)]
    [InlineData("cac-resnet20", CacPath.Sparse, DType.Float64)]
    [InlineData("cac-resnet20", CacPath.Dense, DType.Float64)]
    public void A_pytorch_checkpoint_loads_strictly_and_gives_pytorchs_logits(string model, CacPath path, DType dtype)
    {
        var state = SafeTensors.Load(FixturePath($"ckpt_{model}.safetensors"), out var metadata);
        metadata["model"].Should().Be(model);
        var io = SafeTensors.Load(FixturePath($"ckpt_{model}_io.safetensors"));

        var net = ModelRegistry.Create(model, new Generator(5));
        net.LoadStateDict(state);                                                     // strict
        net.To(dtype);
        net.Eval();
        var cacs = net.NamedModules().Select(m => m.Module).OfType<ContentAwareConv2d>().ToList();
        foreach (var c in cacs) c.Path = path;
        cacs.Should().HaveCount(model.StartsWith("cac-", StringComparison.Ordinal) ? 19 : 0);

        Tensor logits;
        using (Autograd.NoGrad()) logits = net.Forward(io["input"].To(dtype));      // input: (2, 3, 32, 32)
        var expected = io["logits"].ToDoubleArray();                                   // (2, 10), float64 reference
        logits.Shape.Should().Equal(io["logits"].Shape);
        var got = logits.ToDoubleArray();
        double maxError = got.Zip(expected, (a, b) => Math.Abs(a - b)).Max();
        maxError.Should().BeLessThanOrEqualTo(dtype == DType.Float64 ? 1e-9 : 1e-4, $"{model} logits ({path}, {dtype.Name()})");
        expected.Select(Math.Abs).Max().Should().BeGreaterThan(0.1, "logits of a meaningful size");

        if (cacs.Count > 0)
        {
            var ratios = io["sharp_ratios"].ToDoubleArray();
            cacs.Select(c => c.LastSharpRatio).Should().Equal(ratios, "every layer's mask should match PyTorch's");
            ratios.Should().Contain(r => r > 0.2 && r < 0.8, "the fixture mixes sharp and smooth windows");
        }
    }

    [Fact]
    public void A_plain_resnet_checkpoint_does_not_load_strictly_into_the_cac_model()
    {
        var state = SafeTensors.Load(FixturePath("ckpt_resnet20.safetensors"));
        var load = () => ModelRegistry.Create("cac-resnet20").LoadStateDict(state);
        load.Should().Throw<ArgumentException>().WithMessage("*Missing key(s)*layer1.0.conv1.gamma*");
    }

    private static string FixturePath(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", file);
        if (!File.Exists(path))
            throw new FileNotFoundException($"fixture {file} not found at {path} (regenerate with /usr/bin/python3 fixtures/make_cac_fixtures.py)", path);
        return path;
    }
}

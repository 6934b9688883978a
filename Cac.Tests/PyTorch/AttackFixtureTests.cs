using System.Globalization;
using Cac.Adversarial;
using Cac.Models;
using Cac.Nn;
using Cac.Serialization;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.PyTorch;

/// <summary>
/// FGSM, MI-FGSM (3 steps) and PGD (3 steps, no random start) against the PyTorch attacks of
/// fixtures/make_attack_fixtures.py on the same standard ResNet-20 and CAC-ResNet-20 (evaluation mode, CIFAR-10's
/// normalisation inside the model): the adversarial images agree to 1e-5. The reference computes in float64; its metadata
/// records the margins of the two discontinuities (gradient signs, CAC masks) that float32 rounding must not cross.
/// </summary>
[Trait("Category", "PyTorchFixture")]
public class AttackFixtureTests
{
    [Theory]
    [InlineData("resnet20", DType.Float32)]
    [InlineData("resnet20", DType.Float64)]
    [InlineData("cac-resnet20", DType.Float32)]
    [InlineData("cac-resnet20", DType.Float64)]
    public void Attacks_match_pytorchs_adversarial_images(string name, DType dtype)
    {
        var state = SafeTensors.Load(FixturePath($"attack_{name}.safetensors"));
        var io = SafeTensors.Load(FixturePath($"attack_{name}_io.safetensors"), out var meta);
        var net = ModelRegistry.Create(name, new Generator(5));
        net.LoadStateDict(state);                                                     // strict
        var model = InputNormalization.Wrap(net, Numbers(meta["mean"]), Numbers(meta["std"]));
        model.To(dtype);
        model.Eval();
        var options = new AttackOptions(Number(meta["eps"]), Number(meta["step"]), int.Parse(meta["steps"], CultureInfo.InvariantCulture));
        var images = io["images"].To(dtype);                                            // (2, 3, 8, 8)
        var labels = io["labels"];                                                      // (2) int32

        foreach (var method in Enum.GetValues<AttackMethod>())
        {
            var got = Attacks.Run(method, model, images, labels, options).ToDoubleArray();
            var expected = io[Attacks.Name(method)].ToDoubleArray();
            double error = got.Zip(expected, (a, b) => Math.Abs(a - b)).Max();
            error.Should().BeLessThanOrEqualTo(1e-5, $"{Attacks.Name(method)} on {name} ({dtype.Name()}; fixture margins: sign {meta["min_sign_margin"]}, score {meta["min_score_margin"]})");
            expected.Zip(io["images"].ToDoubleArray(), (a, b) => Math.Abs(a - b)).Max().Should().BeGreaterThan(0.02, "the attack moves the images");
        }
    }

    private static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    private static double[] Numbers(string text) => text.Split(',').Select(Number).ToArray();

    private static string FixturePath(string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", file);
}

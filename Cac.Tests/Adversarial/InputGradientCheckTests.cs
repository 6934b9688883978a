using Cac.Adversarial;
using Cac.Models;
using Cac.Nn;
using Cac.Testing;
using Cac.Training;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Adversarial;

/// <summary>
/// The input gradient the attacks follow, against double-precision central differences of the loss in the raw pixels
/// (through the normalisation layer), for a standard and a content-aware ResNet-20 in evaluation mode.
/// </summary>
[Trait("Category", "GradCheck")]
public class InputGradientCheckTests
{
    // A CAC layer's mask is a step function of its input (score = gamma * Sobel(channel mean) + beta, thresholded at 0) and
    // the gated straight-through estimator sends the score's gradient to gamma and beta only: the input gradient is that
    // of the network with every mask held where it is, the sharp windows' k x k and the smooth windows' 1 x 1 convolutions.
    // The loss itself is differentiable only where no window's score sits on its threshold. Here the thresholds are
    // calibrated to sharp ratio 0.5 on this image (each beta midway between two neighbouring scores, far from either), and a
    // central difference of +-1e-6 that flipped a window would see a jump of the loss, i.e. a numerical derivative of
    // order jump / 2e-6, failing the check: a pass also shows that no window was within reach of its threshold.
    [Theory]
    [InlineData("resnet20")]
    [InlineData("cac-resnet20")]
    public void The_input_gradient_through_the_normalisation_and_the_model_matches_central_differences(string name)
    {
        var net = ModelRegistry.Create(name, 3, 10, new Generator(21));
        var x = Tensor.Uniform([1, 3, 8, 8], new Generator(22), 0.1, 0.9);                 // pixels (1, 3, 8, 8)
        if (name.StartsWith("cac-", StringComparison.Ordinal))
        {
            var reached = CacThresholdCalibration.Calibrate(net, Ops.Affine(x, 4, -2), 0.5);   // on the normalised image
            reached.Should().Contain(r => r.SharpRatio > 0.2 && r.SharpRatio < 0.8, "both paths are exercised");
        }
        var model = InputNormalization.Wrap(net, [0.49, 0.48, 0.45], [0.25, 0.24, 0.26]);
        model.To(DType.Float64);
        model.Eval();
        var pixels = x.To(DType.Float64).Detach();
        pixels.RequiresGrad = true;
        var labels = Tensor.FromArray([3], [1]);

        var check = GradCheck.Check(() => Ops.CrossEntropy(model.Forward(pixels), labels), [pixels]);
        check.Passed.Should().BeTrue(check.Report);

        // InputGradient.Of runs the same backward with the parameters frozen: the same numbers, no parameter gradient.
        pixels.Grad = null;
        foreach (var p in model.Parameters()) p.Grad = null;
        Ops.CrossEntropy(model.Forward(pixels), labels).Backward();
        var attackGradient = InputGradient.Of(model, pixels, labels).ToDoubleArray();
        attackGradient.Should().Equal(pixels.Grad!.ToDoubleArray());
        attackGradient.Select(Math.Abs).Max().Should().BeGreaterThan(1e-4, "a gradient of a meaningful size");
        foreach (var p in model.Parameters()) p.Grad = null;
        InputGradient.Of(model, pixels, labels);
        model.Parameters().Should().OnlyContain(p => p.Grad == null && p.RequiresGrad);
    }
}

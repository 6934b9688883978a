using Cac.Nn;
using Cac.Optim;
using Cac.Tests.Core;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.ContentAware;

/// <summary>
/// Training runs on the code a reader can read: a few SGD steps of a small content-aware model (two CAC layers with mixed
/// sharp and smooth windows, batch norm, ReLU, pooling, a linear head) with <see cref="CpuKernelChoice.Reference"/> give the
/// losses of <see cref="CpuKernelChoice.Fast"/>, to rounding. The yardstick is the rounding itself: in float64 the two
/// agree within 4 times the float32 disagreement between Fast in float32 and in float64, scaled by 2^-29 (the ratio of
/// the unit roundoffs); in float32 within 4 times that float32 error (each run is about that far from the exact one).
/// </summary>
[Collection(nameof(CpuKernelsCollection))]
public class ReferenceTrainingTests
{
    private const int Steps = 5, Batch = 16, Size = 12, Classes = 3;

    [Fact]
    public void Sgd_steps_with_the_reference_kernels_give_the_fast_kernels_losses()
    {
        var fast32 = Run(CpuKernelChoice.Fast, DType.Float32);
        var fast64 = Run(CpuKernelChoice.Fast, DType.Float64);
        var reference32 = Run(CpuKernelChoice.Reference, DType.Float32);
        var reference64 = Run(CpuKernelChoice.Reference, DType.Float64);
        string losses = $"fast32 {Format(fast32.Losses)}, ref32 {Format(reference32.Losses)}, fast64 {Format(fast64.Losses)}";

        fast64.Ratios.Should().OnlyContain(r => r > 0.05 && r < 0.95, "both paths of the layers are exercised");
        fast64.Losses[^1].Should().BeLessThan(fast64.Losses[0], $"the steps train ({losses})");
        double float32Error = fast32.Losses.Zip(fast64.Losses, (a, b) => Math.Abs(a - b)).Max();
        float32Error.Should().BeGreaterThan(0, "float32 rounding is visible, so the yardstick is not zero");
        for (int step = 0; step < Steps; step++)
        {
            Math.Abs(reference64.Losses[step] - fast64.Losses[step]).Should().BeLessThanOrEqualTo(4 * float32Error * Math.Pow(2, -29),
                $"float64 step {step} ({losses})");
            Math.Abs(reference32.Losses[step] - fast32.Losses[step]).Should().BeLessThanOrEqualTo(4 * float32Error,
                $"float32 step {step} ({losses})");
        }
        reference64.Ratios.Should().Equal(fast64.Ratios, "the same windows are sharp");
    }

    // The losses of Steps SGD steps (Nesterov momentum) on one fixed batch, and each CAC layer's sharp ratio at the first step.
    private static (double[] Losses, double[] Ratios) Run(CpuKernelChoice choice, DType dtype) => KernelChoice.With(choice, () =>
    {
        var rng = new Generator(11);
        var cac1 = new ContentAwareConv2d(1, 8, 3, 1, padding: 1, bias: false, generator: rng);
        var cac2 = new ContentAwareConv2d(8, 8, 3, 2, padding: 1, bias: true, generator: rng);
        var net = new Sequential(cac1, new BatchNorm2d(8), new ReLU(), cac2, new BatchNorm2d(8), new ReLU(),
            new AdaptiveAvgPool2d(1), new Flatten(), new Linear(8, Classes, generator: rng));
        // Thresholds inside the score range, so that both sharp and smooth windows occur.
        cac1.Beta.CopyFrom(Tensor.FromArray([-2.0f], [1]));
        cac2.Beta.CopyFrom(Tensor.FromArray([-1.5f], [1]));
        net.To(dtype);
        var images = RandF(21, Batch, 1, Size, Size).To(dtype);
        var labels = Tensor.FromArray(Enumerable.Range(0, Batch).Select(i => i % Classes).ToArray(), [Batch]);
        var optimizer = new Sgd(net.Parameters(), 0.05, momentum: 0.9, nesterov: true);
        var losses = new double[Steps];
        double[] ratios = [];
        for (int step = 0; step < Steps; step++)
        {
            losses[step] = TrainStep(net, optimizer, images, labels);
            if (step == 0) ratios = [cac1.LastSharpRatio, cac2.LastSharpRatio];
        }
        return (losses, ratios);
    });

    private static string Format(double[] values) => string.Join(" ", values.Select(v => v.ToString("R")));
}

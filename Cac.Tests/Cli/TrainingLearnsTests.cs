using Cac.Cli.Training;
using Cac.Data;
using Cac.Nn;
using Cac.Optim;
using Cac.Tests.Gpu;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>
/// Training learns, through the real <see cref="Trainer"/> and <see cref="DataLoader"/>: on a small separable set the
/// loss falls and held-out accuracy beats chance clearly. A bug that is the same in a run and its resumed twin (a
/// missing ZeroGrad, a sign error in an update or a backward) passes the resume tests but fails these.
/// </summary>
internal static class LearningTask
{
    private const int Size = 12, Classes = 3;

    // Class 0: horizontal stripes, 1: vertical stripes, 2: a bright square; each at a random phase or place, in noise.
    private static InMemoryImageDataset Images(int count, int seed)
    {
        var generator = new Generator(seed);
        var noise = Tensor.RandN([count, Size * Size], generator).ToFloatArray();
        var offsets = Tensor.Uniform([count, 2], generator, 0, 4).ToFloatArray();
        var images = new float[count * Size * Size];
        var labels = new int[count];
        for (int n = 0; n < count; n++)
        {
            int label = labels[n] = n % Classes, a = (int)offsets[2 * n], b = (int)offsets[2 * n + 1];
            for (int y = 0; y < Size; y++)
                for (int x = 0; x < Size; x++)
                {
                    bool on = label switch
                    {
                        0 => (y + a) % 4 < 2,
                        1 => (x + a) % 4 < 2,
                        _ => y >= 2 + a && y < 6 + a && x >= 2 + b && x < 6 + b,
                    };
                    images[(n * Size + y) * Size + x] = (on ? 1f : 0f) + 0.3f * noise[n * Size * Size + y * Size + x];
                }
        }
        return new InMemoryImageDataset(images, labels, new ImageShape(1, Size, Size), Classes);
    }

    private static Module Net(bool contentAware)
    {
        var rng = new Generator(11);
        Module Conv(int cin, int cout, int stride) => contentAware
            ? new ContentAwareConv2d(cin, cout, 3, stride, padding: 1, bias: false, generator: rng)
            : new Conv2d(cin, cout, 3, stride, padding: 1, bias: false, generator: rng);
        return new Sequential(
            Conv(1, 8, 1), new BatchNorm2d(8), new ReLU(),
            Conv(8, 8, 2), new BatchNorm2d(8), new ReLU(),
            new AdaptiveAvgPool2d(1), new Flatten(), new Linear(8, Classes, generator: rng));
    }

    /// <summary>Trains for three epochs on <paramref name="device"/>; returns the epochs' losses and the held-out accuracy.</summary>
    public static (double[] Losses, double Accuracy) Run(bool contentAware, Device device)
    {
        var net = Net(contentAware);
        net.To(device);
        var trainer = new Trainer(net, new Sgd(net.Parameters(), 0.1, momentum: 0.9, weightDecay: 1e-4, nesterov: true));
        var train = new DataLoader(Images(96, 1), 16, shuffle: true, seed: 2, device: device);
        var held = new DataLoader(Images(48, 3), 16, device: device);
        var losses = Enumerable.Range(0, 3).Select(epoch => trainer.TrainEpoch(train, epoch).Loss).ToArray();
        return (losses, trainer.Evaluate(held).Top1);
    }

    public static void ShouldHaveLearned((double[] Losses, double Accuracy) run, string what)
    {
        run.Losses.Should().OnlyContain(l => double.IsFinite(l), what);
        run.Losses[^1].Should().BeLessThan(0.5 * run.Losses[0], $"{what}: the loss falls (epoch losses {string.Join(", ", run.Losses.Select(l => l.ToString("F3")))})");
        run.Accuracy.Should().BeGreaterThan(0.8, $"{what}: held-out accuracy far above chance (1/3)");
    }
}

public class TrainingLearnsTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_model_learns_a_separable_set_on_the_cpu(bool contentAware) =>
        LearningTask.ShouldHaveLearned(LearningTask.Run(contentAware, Device.Cpu), contentAware ? "CAC net, cpu" : "standard net, cpu");
}

[Collection("Gpu")]
[Trait("Category", "GpuParity")]
public class GpuTrainingLearnsTests(GpuFixture fixture)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_model_learns_a_separable_set_on_the_ilgpu_simulator(bool contentAware) =>
        LearningTask.ShouldHaveLearned(LearningTask.Run(contentAware, fixture.Gpu), contentAware ? "CAC net, ilgpu-cpu" : "standard net, ilgpu-cpu");
}

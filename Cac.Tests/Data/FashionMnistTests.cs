using Cac.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Data;

/// <summary>Reads the real Fashion-MNIST installed by the Debian package dataset-fashion-mnist.</summary>
[Trait("Category", "RealData")]
public class FashionMnistTests
{
    [Fact]
    public void Reads_the_installed_fashion_mnist()
    {
        var info = DatasetCatalog.Info("fashion-mnist");
        var train = DatasetCatalog.Open("fashion-mnist", train: true);
        var test = DatasetCatalog.Open("fashion-mnist", train: false);

        train.Count.Should().Be(60000);
        test.Count.Should().Be(10000);
        train.ImageShape.Should().Be(new ImageShape(1, 28, 28));
        test.ImageShape.Should().Be(new ImageShape(1, 28, 28));
        train.ClassCount.Should().Be(10);
        // Fashion-MNIST is balanced: 6000 training and 1000 test images per class.
        train.Labels.GroupBy(l => l).Select(g => g.Count()).Should().HaveCount(10).And.OnlyContain(c => c == 6000);
        test.Labels.GroupBy(l => l).Select(g => g.Count()).Should().HaveCount(10).And.OnlyContain(c => c == 1000);

        // The catalog's normalisation constants match the training pixels.
        double sum = 0, sumSq = 0;
        foreach (var v in train.Images) { sum += v; sumSq += (double)v * v; }
        double mean = sum / train.Images.Length, std = Math.Sqrt(sumSq / train.Images.Length - mean * mean);
        mean.Should().BeApproximately(info.Mean[0], 5e-4);
        std.Should().BeApproximately(info.Std[0], 5e-4);

        var first = new DataLoader(train, 256, shuffle: true, seed: 0, transform: info.Normalize(), limit: 1000).Epoch(0).First();
        first.Images.Shape.Should().Equal(256, 1, 28, 28);
    }
}

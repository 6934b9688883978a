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
        train.Labels.GroupBy(l => l).Select(group => group.Count()).Should().HaveCount(10).And.OnlyContain(c => c == 6000);
        test.Labels.GroupBy(l => l).Select(group => group.Count()).Should().HaveCount(10).And.OnlyContain(c => c == 1000);

        // The catalog's normalisation constants match the training pixels.
        double sum = 0, sumSq = 0;
        foreach (var v in train.Images) { sum += v; sumSq += (double)v * v; }
        double mean = sum / train.Images.Length, std = Math.Sqrt(sumSq / train.Images.Length - mean * mean);
        mean.Should().BeApproximately(info.Mean[0], 5e-4);
        std.Should().BeApproximately(info.Std[0], 5e-4);

        var first = new DataLoader(train, 256, shuffle: true, seed: 0, transform: info.Normalize(), limit: 1000).Epoch(0).First();
        first.Images.Shape.Should().Equal(256, 1, 28, 28);

        // Samples in file order, pixels row by row: counts and statistics above pass for a reader that permutes samples or
        // transposes, flips or shifts images. The expected values were read from the installed files independently of Cac,
        // with /usr/bin/python3 (gzip + struct: the IDX headers 0x801 / 0x803 with counts 60000 / 10000 and 28 x 28, then
        // one byte per label and per pixel):
        //   labels = list(gzip.open('train-labels-idx1-ubyte.gz').read()[8:])
        //   px = gzip.open('train-images-idx3-ubyte.gz').read()[16:]
        //   img = px[i * 784:(i + 1) * 784]; sum(img); sum((j + 1) * v for j, v in enumerate(img))
        // (t10k-*.gz for the test split). The weighted sum numbers the pixels 1..784 in row-major order.
        train.Labels.Take(12).Should().Equal([9, 0, 0, 3, 0, 2, 7, 2, 5, 5, 0, 9]);
        train.Labels.TakeLast(3).Should().Equal([3, 0, 5]);
        test.Labels.Take(12).Should().Equal([9, 2, 1, 1, 6, 1, 4, 6, 5, 7, 4, 5]);
        test.Labels.TakeLast(3).Should().Equal([8, 1, 5]);
        // (index, label, pixel sum, position-weighted pixel sum), pixels as the bytes 0..255.
        (int, int, long, long)[] trainImages =
        [
            (0, 9, 76247, 35954273), (1, 0, 84598, 31851581), (2, 0, 28662, 10688376), (30017, 7, 28889, 12915470),
            (59999, 5, 16684, 7678154),
        ];
        (int, int, long, long)[] testImages =
        [
            (0, 9, 33456, 16008570), (1, 2, 100994, 40080513), (2, 1, 51520, 18403976), (4321, 1, 45623, 16086700),
            (9999, 5, 24390, 10911940),
        ];
        ShouldHoldImages(train, trainImages, "train");
        ShouldHoldImages(test, testImages, "test");
    }

    private static void ShouldHoldImages(IImageDataset data, (int Index, int Label, long Sum, long Weighted)[] expected, string split)
    {
        var image = new float[28 * 28];
        foreach (var (index, label, sum, weighted) in expected)
        {
            data.Label(index).Should().Be(label, $"{split} label {index}");
            data.CopyImage(index, image);
            long s = 0, w = 0;
            for (int j = 0; j < image.Length; j++)
            {
                double scaled = image[j] * 255.0;
                int pixel = (int)Math.Round(scaled);
                Math.Abs(scaled - pixel).Should().BeLessThan(1e-3, $"{split} image {index} pixel {j} is a byte / 255");
                s += pixel;
                w += (j + 1L) * pixel;
            }
            s.Should().Be(sum, $"{split} image {index}: pixel sum");
            w.Should().Be(weighted, $"{split} image {index}: position-weighted pixel sum");
        }
    }
}

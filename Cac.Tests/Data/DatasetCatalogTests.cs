using Cac.Data;
using FluentAssertions;
using Xunit;
using static Cac.Tests.Data.IdxFiles;

namespace Cac.Tests.Data;

public class DatasetCatalogTests
{
    private static void WriteSplit(TempDir dir, string sub, string prefix, int n, bool gz, string sep = "-")
    {
        var labels = Enumerable.Range(0, n).Select(i => (byte)(i % 10)).ToArray();
        dir.Write(Path.Combine(sub, $"{prefix}-images{sep}idx3-ubyte"), Images(n, 28, 28), gz);
        dir.Write(Path.Combine(sub, $"{prefix}-labels{sep}idx1-ubyte"), Labels(labels), gz);
    }

    [Fact]
    public void Missing_dataset_lists_every_place_and_how_to_get_it()
    {
        using var dir = new TempDir();
        string data = Path.Combine(dir.Path, "nothing-here");
        string system = Path.Combine(dir.Path, "sys");
        var e = FluentActions.Invoking(() => DatasetCatalog.Locate("fashion-mnist", data, train: true, systemRoot: system))
            .Should().Throw<DatasetNotFoundException>().Which;
        e.Message.Should().Contain(data).And.Contain(Path.Combine(data, "fashion-mnist")).And.Contain("no such directory")
            .And.Contain("sudo apt-get install dataset-fashion-mnist").And.Contain("--data DIR")
            .And.Contain("train-images-idx3-ubyte.gz").And.Contain("t10k-labels-idx1-ubyte.gz");
        e.Message.Should().NotContain(system, "a given data directory is the only place searched");
        e.Searched.Should().HaveCount(2);
        e.DatasetName.Should().Be("fashion-mnist");

        var withoutData = FluentActions.Invoking(() => DatasetCatalog.Locate("fashion-mnist", null, train: true, systemRoot: system))
            .Should().Throw<DatasetNotFoundException>().Which;
        withoutData.Message.Should().Contain(Path.Combine(system, "fashion-mnist") + ": no such directory");
        withoutData.Searched.Should().HaveCount(1);
    }

    [Fact]
    public void A_mistyped_data_directory_fails_even_where_the_system_copy_exists()
    {
        using var dir = new TempDir();
        string system = Path.Combine(dir.Path, "sys");
        foreach (var file in DatasetCatalog.FileNames) dir.Write(Path.Combine("sys", "fashion-mnist", file), [0]);
        DatasetCatalog.Locate("fashion-mnist", null, train: true, systemRoot: system).Directory.Should().Be(Path.Combine(system, "fashion-mnist"));
        FluentActions.Invoking(() => DatasetCatalog.Locate("fashion-mnist", Path.Combine(dir.Path, "typo"), train: true, systemRoot: system))
            .Should().Throw<DatasetNotFoundException>().WithMessage($"*{Path.Combine(dir.Path, "typo")}: no such directory*");
    }

    [Fact]
    public void Missing_mnist_says_to_pass_data_dir()
    {
        using var dir = new TempDir();
        var e = FluentActions.Invoking(() => DatasetCatalog.Locate("mnist", null, train: false, systemRoot: dir.Path))
            .Should().Throw<DatasetNotFoundException>().Which;
        e.Message.Should().Contain(Path.Combine(dir.Path, "mnist")).And.Contain("test split").And.Contain("--data DIR");
        e.Message.Should().NotContain("apt-get");
    }

    [Fact]
    public void A_directory_without_all_files_says_which_are_missing()
    {
        using var dir = new TempDir();
        dir.Write("train-images-idx3-ubyte.gz", Gzip(Images(1, 28, 28)));
        var e = FluentActions.Invoking(() => DatasetCatalog.Locate("mnist", dir.Path, systemRoot: null))
            .Should().Throw<DatasetNotFoundException>().Which;
        e.Message.Should().Contain($"{dir.Path}: missing train-labels-idx1-ubyte[.gz]");
        e.Message.Should().NotContain("missing train-images");
    }

    [Fact]
    public void Unknown_name_lists_known_names()
    {
        FluentActions.Invoking(() => DatasetCatalog.Open("cifar-11"))
            .Should().Throw<ArgumentException>().WithMessage("*cifar-11*fashion-mnist*mnist*");
    }

    [Theory]
    [InlineData("", false, "-")]
    [InlineData("mnist", true, "-")]
    [InlineData("", false, ".")]
    public void Finds_files_in_the_data_dir_or_its_named_subdir(string sub, bool gz, string sep)
    {
        using var dir = new TempDir();
        WriteSplit(dir, sub, "train", 7, gz, sep);
        WriteSplit(dir, sub, "t10k", 3, gz, sep);
        var train = DatasetCatalog.Open("MNIST", dir.Path, train: true);
        var test = DatasetCatalog.Open("mnist", dir.Path, train: false);
        train.Count.Should().Be(7);
        test.Count.Should().Be(3);
        train.Name.Should().Be("mnist/train");
        train.ClassNames.Should().HaveCount(10);
        DatasetCatalog.Locate("mnist", dir.Path, systemRoot: null).Directory.Should().Be(Path.Combine(dir.Path, sub).TrimEnd('/'));
    }

    [Fact]
    public void Wrong_image_size_for_the_dataset_is_rejected()
    {
        using var dir = new TempDir();
        dir.Write("train-images-idx3-ubyte", Images(2, 32, 32));
        dir.Write("train-labels-idx1-ubyte", Labels(1, 2));
        FluentActions.Invoking(() => DatasetCatalog.Open("mnist", dir.Path))
            .Should().Throw<InvalidDataException>().WithMessage("*(1, 32, 32)*(1, 28, 28)*");
    }

    [Fact]
    public void Fashion_mnist_32_is_fashion_mnist_centred_in_zeros()
    {
        using var dir = new TempDir();
        dir.Write("train-images-idx3-ubyte", Images(3, 28, 28));
        dir.Write("train-labels-idx1-ubyte", Labels(4, 0, 9));
        var source = DatasetCatalog.Open("fashion-mnist", dir.Path);
        var padded = DatasetCatalog.Open("fashion-mnist-32", dir.Path);

        padded.ImageShape.Should().Be(new ImageShape(1, 32, 32));
        padded.Name.Should().Be("fashion-mnist-32/train");
        padded.Labels.Should().Equal(source.Labels);
        padded.ClassNames.Should().Equal(source.ClassNames);
        for (int i = 0; i < 3; i++)
        {
            var image = padded.Image(i);
            for (int y = 0; y < 32; y++)
                for (int x = 0; x < 32; x++)
                {
                    bool inside = y >= 2 && y < 30 && x >= 2 && x < 30;
                    image[y * 32 + x].Should().Be(inside ? source.Image(i)[(y - 2) * 28 + x - 2] : 0f, $"image {i} at ({y}, {x})");
                }
        }
        DatasetCatalog.Locate("fashion-mnist-32", dir.Path, systemRoot: null).Directory.Should().Be(dir.Path,
            "a derived dataset reads its source's files");
    }

    [Fact]
    public void Fashion_mnist_32_normalisation_follows_from_fashion_mnist()
    {
        // Zero padding keeps the sum of the pixels and of their squares: mean and E[x^2] scale by 784/1024.
        var source = DatasetCatalog.Info("fashion-mnist");
        var padded = DatasetCatalog.Info("fashion-mnist-32");
        double scale = 28.0 * 28 / (32 * 32);
        double mean = source.Mean[0] * scale;
        double meanSquare = (source.Std[0] * source.Std[0] + source.Mean[0] * source.Mean[0]) * scale;
        padded.Mean[0].Should().BeApproximately(mean, 5e-5);
        padded.Std[0].Should().BeApproximately(Math.Sqrt(meanSquare - mean * mean), 5e-5);
    }
}

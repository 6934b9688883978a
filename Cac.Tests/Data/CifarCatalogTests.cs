using Cac.Data;
using FluentAssertions;
using Xunit;
using static Cac.Tests.Data.CifarTestFiles;

namespace Cac.Tests.Data;

public class CifarCatalogTests
{
    private static void WriteCifar10(TempDir dir, string sub, bool withMeta = false)
    {
        for (int b = 1; b <= 5; b++) dir.Write(Path.Combine(sub, $"data_batch_{b}.bin"), Cifar10(b * 10, (byte)b, (byte)(b + 1)));
        dir.Write(Path.Combine(sub, "test_batch.bin"), Cifar10(0, 9, 8, 7));
        if (withMeta)
            dir.Write(Path.Combine(sub, "batches.meta.txt"), System.Text.Encoding.UTF8.GetBytes(string.Join("\n", Enumerable.Range(0, 10).Select(i => $"c{i}")) + "\n\n"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("cifar-10-batches-bin")]
    [InlineData("cifar10")]
    [InlineData("cifar10/cifar-10-batches-bin")]
    public void Cifar10_is_found_in_every_documented_place(string sub)
    {
        using var dir = new TempDir();
        WriteCifar10(dir, sub);
        var files = DatasetCatalog.LocateCifar("cifar10", dir.Path, train: true, systemRoot: null);
        files.Directory.Should().Be(Path.Combine(dir.Path, sub).TrimEnd('/'));
        files.Files.Select(Path.GetFileName).Should().Equal(Enumerable.Range(1, 5).Select(b => $"data_batch_{b}.bin"));
        files.ClassNamesPath.Should().BeNull();
        files.Variant.Should().Be(CifarVariant.Cifar10);

        var train = DatasetCatalog.Load("CIFAR10", dir.Path, train: true);
        train.Should().BeOfType<ByteImageDataset>();
        train.Count.Should().Be(10);
        train.Label(0).Should().Be(1);
        train.Label(9).Should().Be(6);
        ((ByteImageDataset)train).Name.Should().Be("cifar10/train");
        var test = DatasetCatalog.Open("cifar10", dir.Path, train: false);
        test.Count.Should().Be(3);
        test.Labels.Should().Equal(9, 8, 7);
        test.Image(1)[5].Should().Be(Pixel(1, 0, 0, 5) / 255f);
    }

    [Fact]
    public void Class_names_come_from_the_meta_file_when_present()
    {
        using var dir = new TempDir();
        WriteCifar10(dir, "cifar-10-batches-bin", withMeta: true);
        var ds = (ByteImageDataset)DatasetCatalog.Load("cifar10", dir.Path);
        ds.ClassNames.Should().Equal(Enumerable.Range(0, 10).Select(i => $"c{i}"));
    }

    [Fact]
    public void Cifar100_uses_fine_labels_and_its_names_file()
    {
        using var dir = new TempDir();
        string sub = Path.Combine("cifar100", "cifar-100-binary");
        dir.Write(Path.Combine(sub, "train.bin"), Cifar100(0, (1, 77), (19, 3)));
        dir.Write(Path.Combine(sub, "test.bin"), Cifar100(0, (2, 50)));
        dir.Write(Path.Combine(sub, "fine_label_names.txt"), System.Text.Encoding.UTF8.GetBytes(string.Join("\n", Enumerable.Range(0, 100).Select(i => $"f{i}"))));
        var train = (ByteImageDataset)DatasetCatalog.Load("cifar100", dir.Path, train: true);
        train.Labels.Should().Equal(77, 3);
        train.ClassCount.Should().Be(100);
        train.ClassNames![77].Should().Be("f77");
        DatasetCatalog.Load("cifar100", dir.Path, train: false).Label(0).Should().Be(50);
    }

    [Fact]
    public void Missing_files_are_listed_with_how_to_download()
    {
        using var dir = new TempDir();
        dir.Write(Path.Combine("cifar-10-batches-bin", "data_batch_1.bin"), Cifar10(0, 1));
        dir.Write(Path.Combine("cifar-10-batches-bin", "data_batch_4.bin"), Cifar10(0, 1));
        string system = Path.Combine(dir.Path, "sys");
        var e = FluentActions.Invoking(() => DatasetCatalog.LocateCifar("cifar10", dir.Path, train: true, systemRoot: system))
            .Should().Throw<DatasetNotFoundException>().Which;
        e.Message.Should().Contain($"{Path.Combine(dir.Path, "cifar-10-batches-bin")}: missing data_batch_2.bin, data_batch_3.bin, data_batch_5.bin")
            .And.Contain($"{dir.Path}: missing data_batch_1.bin")
            .And.Contain("cac download cifar10 --data DIR")
            .And.Contain(DatasetDownloader.Cifar10Url)
            .And.Contain("test_batch.bin");
        e.Message.Should().NotContain(system, "a given data directory is the only place searched");
        e.DatasetName.Should().Be("cifar10");
        e.Searched.Should().HaveCount(4);
    }

    [Fact]
    public void Missing_cifar100_test_split_says_how_to_get_it()
    {
        using var dir = new TempDir();
        var e = FluentActions.Invoking(() => DatasetCatalog.Load("cifar100", dir.Path, train: false))
            .Should().Throw<DatasetNotFoundException>().Which;
        e.Message.Should().Contain("test split").And.Contain($"{dir.Path}: missing test.bin")
            .And.Contain("cac download cifar100 --data DIR").And.Contain(DatasetDownloader.Cifar100Url);
    }

    [Theory]
    [InlineData("cifar10", 10, 0.4914, 0.2616)]
    [InlineData("cifar100", 100, 0.5071, 0.2762)]
    public void Catalog_entries_have_shape_classes_and_normalisation(string name, int classes, double mean0, double std2)
    {
        var info = DatasetCatalog.Info(name);
        info.ImageShape.Should().Be(new ImageShape(3, 32, 32));
        info.ClassCount.Should().Be(classes);
        info.Mean.Should().HaveCount(3);
        info.Mean[0].Should().Be(mean0);
        info.Std[2].Should().Be(std2);
        info.Normalize().OutputShape(info.ImageShape).Should().Be(info.ImageShape);
        DatasetCatalog.Names.Should().Contain(name);
    }

    [Fact]
    public void Idx_and_cifar_lookups_refuse_the_other_format()
    {
        FluentActions.Invoking(() => DatasetCatalog.Locate("cifar10")).Should().Throw<ArgumentException>().WithMessage("*LocateCifar*");
        FluentActions.Invoking(() => DatasetCatalog.LocateCifar("mnist")).Should().Throw<ArgumentException>().WithMessage("*not a CIFAR*");
    }
}

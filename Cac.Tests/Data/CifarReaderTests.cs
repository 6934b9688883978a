using Cac.Data;
using FluentAssertions;
using Xunit;
using static Cac.Tests.Data.CifarTestFiles;

namespace Cac.Tests.Data;

public class CifarReaderTests
{
    private static InvalidDataException Fails(Action act, string path)
    {
        var e = act.Should().Throw<InvalidDataException>().Which;
        e.Message.Should().StartWith(path + ": ");
        DataFormat.PathOf(e).Should().Be(path);
        return e;
    }

    [Fact]
    public void Cifar10_batches_concatenate_in_order_with_planar_rgb_layout()
    {
        using var dir = new TempDir();
        string a = dir.Write("data_batch_1.bin", Cifar10(0, 3, 9, 0));
        string b = dir.Write("data_batch_2.bin", Cifar10(3, 7, 1));
        var ds = CifarReader.Read([a, b], CifarVariant.Cifar10, name: "c10");

        ds.Count.Should().Be(5);
        ds.ImageShape.Should().Be(new ImageShape(3, 32, 32));
        ds.ClassCount.Should().Be(10);
        ds.Labels.Should().Equal(3, 9, 0, 7, 1);
        ds.ClassNames.Should().Equal(CifarReader.Cifar10ClassNames);
        ds.Name.Should().Be("c10");
        var img = new float[3 * 32 * 32];
        foreach (int i in new[] { 0, 4 })
        {
            ds.CopyImage(i, img);
            foreach (var (c, y, x) in new[] { (0, 0, 0), (1, 5, 17), (2, 31, 31), (2, 0, 31) })
                img[(c * 32 + y) * 32 + x].Should().Be(Pixel(i, c, y, x) / 255f, $"image {i} ({c}, {y}, {x})");
        }
        ds.Pixels.AsSpan(3072, 3072).ToArray().Should().Equal(ImageBytes(1));
    }

    [Theory]
    [InlineData(CifarVariant.Cifar100Fine, new[] { 99, 0, 42 }, 100)]
    [InlineData(CifarVariant.Cifar100Coarse, new[] { 19, 5, 0 }, 20)]
    public void Cifar100_uses_the_requested_label(CifarVariant variant, int[] expected, int classes)
    {
        using var dir = new TempDir();
        string path = dir.Write("train.bin", Cifar100(0, (19, 99), (5, 0), (0, 42)));
        var ds = CifarReader.Read([path], variant);
        ds.Labels.Should().Equal(expected);
        ds.ClassCount.Should().Be(classes);
        ds.ClassNames.Should().HaveCount(classes);
        var (pixels, labels) = CifarReader.ReadFile(path, variant);
        pixels.AsSpan(2 * 3072, 3072).ToArray().Should().Equal(ImageBytes(2));
        labels.Should().Equal(expected);
    }

    [Fact]
    public void Built_in_class_names_have_the_right_counts()
    {
        CifarReader.Cifar10ClassNames.Should().HaveCount(10).And.OnlyHaveUniqueItems();
        CifarReader.Cifar100FineClassNames.Should().HaveCount(100).And.OnlyHaveUniqueItems().And.BeInAscendingOrder(StringComparer.Ordinal);
        CifarReader.Cifar100CoarseClassNames.Should().HaveCount(20).And.OnlyHaveUniqueItems();
    }

    [Theory]
    [InlineData(CifarVariant.Cifar10, 3073, 1)]
    [InlineData(CifarVariant.Cifar10, 3073, -1)]
    [InlineData(CifarVariant.Cifar100Fine, 3074, 5)]
    public void Length_not_a_multiple_of_the_record_names_file_length_and_record_size(CifarVariant variant, int record, int extra)
    {
        using var dir = new TempDir();
        var bytes = variant == CifarVariant.Cifar10 ? Cifar10(0, 1, 2) : Cifar100(0, (1, 2), (3, 4));
        var data = extra > 0 ? [.. bytes, .. new byte[extra]] : bytes[..^(-extra)];
        string path = dir.Write("batch.bin", data);
        var e = Fails(() => CifarReader.Read([path], variant), path);
        e.Message.Should().Contain($"length {data.Length} bytes").And.Contain($"record size {record}");
    }

    [Fact]
    public void A_bad_second_file_fails_naming_that_file()
    {
        using var dir = new TempDir();
        string good = dir.Write("data_batch_1.bin", Cifar10(0, 1));
        string bad = dir.Write("data_batch_2.bin", new byte[100]);
        Fails(() => CifarReader.Read([good, bad], CifarVariant.Cifar10), bad).Message.Should().Contain("100");
    }

    [Fact]
    public void Empty_file_is_rejected()
    {
        using var dir = new TempDir();
        string path = dir.Write("test_batch.bin", []);
        Fails(() => CifarReader.Read([path], CifarVariant.Cifar10), path).Message.Should().Contain("empty");
    }

    [Fact]
    public void Cifar10_label_out_of_range_names_record_and_value()
    {
        using var dir = new TempDir();
        string path = dir.Write("b.bin", Cifar10(0, 1, 2, 10));
        var e = Fails(() => CifarReader.Read([path], CifarVariant.Cifar10), path);
        e.Message.Should().Contain("record 2").And.Contain($"byte offset {2 * 3073}").And.Contain("label 10 is not below 10");
    }

    [Theory]
    [InlineData(20, 5, "coarse label 20 is not below 20")]
    [InlineData(3, 100, "fine label 100 is not below 100")]
    [InlineData(255, 255, "coarse label 255")]
    public void Cifar100_checks_both_labels_whichever_is_used(byte coarse, byte fine, string message)
    {
        using var dir = new TempDir();
        string path = dir.Write("train.bin", Cifar100(0, (0, 0), (coarse, fine)));
        foreach (var v in new[] { CifarVariant.Cifar100Fine, CifarVariant.Cifar100Coarse })
            Fails(() => CifarReader.Read([path], v), path).Message.Should().Contain("record 1").And.Contain(message);
    }

    [Fact]
    public void Class_name_files_are_read_and_checked()
    {
        using var dir = new TempDir();
        string good = dir.Write("batches.meta.txt", System.Text.Encoding.UTF8.GetBytes(
            string.Join("\n", Enumerable.Range(0, 10).Select(i => $"  class{i} ")) + "\n\n"));
        CifarReader.ReadClassNames(good, 10).Should().Equal(Enumerable.Range(0, 10).Select(i => $"class{i}"));
        string shortList = dir.Write("short.txt", "a\nb\nc\n"u8.ToArray());
        Fails(() => CifarReader.ReadClassNames(shortList, 10), shortList).Message.Should().Contain("holds 3 class names, expected 10");
        string binary = dir.Write("bin.txt", [.. "a\nb"u8.ToArray(), 0x01, .. "\nc"u8.ToArray()]);
        Fails(() => CifarReader.ReadClassNames(binary, 3), binary).Message.Should().Contain("control characters");
    }

    [Fact]
    public void Byte_dataset_converts_to_the_same_float_dataset()
    {
        using var dir = new TempDir();
        string path = dir.Write("b.bin", Cifar10(5, 4, 2));
        var bytes = CifarReader.Read([path], CifarVariant.Cifar10);
        var floats = bytes.ToInMemory();
        floats.Labels.Should().Equal(bytes.Labels);
        var img = new float[3072];
        for (int i = 0; i < 2; i++)
        {
            bytes.CopyImage(i, img);
            floats.Image(i).ToArray().Should().Equal(img);
        }
    }
}

using Cac.Data;
using FluentAssertions;
using Xunit;
using static Cac.Tests.Data.IdxFiles;

namespace Cac.Tests.Data;

public class InMemoryImageDatasetTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void From_idx_scales_pixels_to_unit_range(bool gz)
    {
        using var dir = new TempDir();
        string images = dir.Write("i", Images(3, 4, 5), gz);
        string labels = dir.Write("l", Labels(2, 0, 9), gz);
        var ds = InMemoryImageDataset.FromIdx(images, labels, 10);

        ds.Count.Should().Be(3);
        ds.ImageShape.Should().Be(new ImageShape(1, 4, 5));
        ds.ClassCount.Should().Be(10);
        ds.Labels.Should().Equal(2, 0, 9);
        ds.Images.Length.Should().Be(3 * 20);
        for (int i = 0; i < 3; i++)
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 5; x++)
                    ds.Image(i)[y * 5 + x].Should().BeApproximately(Pixel(i, y, x) / 255f, 1e-7f);
        ds.Images.Should().OnlyContain(v => v >= 0f && v <= 1f);
    }

    [Fact]
    public void Count_mismatch_names_both_files_and_counts()
    {
        using var dir = new TempDir();
        string images = dir.Write("imgs-idx3-ubyte", Images(3, 2, 2));
        string labels = dir.Write("lbls-idx1-ubyte", Labels(1, 2, 3, 4, 5));
        var e = FluentActions.Invoking(() => InMemoryImageDataset.FromIdx(images, labels, 10))
            .Should().Throw<InvalidDataException>().Which;
        e.Message.Should().Contain(images).And.Contain(labels).And.Contain("5").And.Contain("3");
    }

    [Fact]
    public void Label_not_below_class_count_is_rejected()
    {
        using var dir = new TempDir();
        string images = dir.Write("i", Images(3, 2, 2));
        string labels = dir.Write("l", Labels(1, 7, 2));
        var e = FluentActions.Invoking(() => InMemoryImageDataset.FromIdx(images, labels, 5))
            .Should().Throw<InvalidDataException>().Which;
        e.Message.Should().Contain(labels).And.Contain("label 7 of sample 1").And.Contain("5");
    }

    [Fact]
    public void Constructor_checks_sizes_and_labels()
    {
        var shape = new ImageShape(1, 2, 2);
        FluentActions.Invoking(() => new InMemoryImageDataset(new float[7], [0, 1], shape, 2))
            .Should().Throw<ArgumentException>().WithMessage("*7 image values*");
        FluentActions.Invoking(() => new InMemoryImageDataset(new float[8], [0, 2], shape, 2))
            .Should().Throw<ArgumentException>().WithMessage("*label 2 of sample 1*");
        FluentActions.Invoking(() => new InMemoryImageDataset(new float[8], [0, 1], shape, 2, ["a"]))
            .Should().Throw<ArgumentException>().WithMessage("*1 class names for 2 classes*");
    }
}

using Cac.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Data;

/// <summary>The VOC palette, palette PNGs, and the VOC layout reader with its errors.</summary>
public sealed class VocSegmentationDatasetTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_palette_is_vocs_bit_interleaved_colour_map_and_every_colour_maps_back()
    {
        (int, int, int) Colour(int i) => (VocPalette.Rgb[3 * i], VocPalette.Rgb[3 * i + 1], VocPalette.Rgb[3 * i + 2]);
        Colour(0).Should().Be((0, 0, 0));
        Colour(1).Should().Be((128, 0, 0));       // aeroplane
        Colour(15).Should().Be((192, 128, 128));  // person
        Colour(20).Should().Be((0, 64, 128));     // tv/monitor
        Colour(255).Should().Be((224, 224, 192)); // void
        for (int i = 0; i < 256; i++) VocPalette.IndexOf(VocPalette.Rgb[3 * i], VocPalette.Rgb[3 * i + 1], VocPalette.Rgb[3 * i + 2]).Should().Be((byte)i);
        VocPalette.IndexOf(1, 2, 3).Should().BeNull();
    }

    [Fact]
    public void A_written_palette_png_reads_back_as_its_indices()
    {
        var indices = Enumerable.Range(0, 7 * 5).Select(i => (byte)(i % 3 == 0 ? 255 : i % 21)).ToArray();
        string path = Path.Combine(_dir.Path, "mask.png");
        PalettePng.Write(path, indices, 7, 5, VocPalette.Rgb);
        var (read, height, width) = VocSegmentationDataset.ReadMask(path, 21);
        (height, width).Should().Be((5, 7));
        read.Should().Equal(indices);
    }

    [Fact]
    public void Reads_a_split_in_list_order_from_the_devkit_folder()
    {
        string root = Path.Combine(_dir.Path, "VOCdevkit", "VOC2012");
        WriteSample(root, "b", 16, 16, i => (byte)(i % 4 == 0 ? 255 : i / 16 % 3));
        WriteSample(root, "a", 16, 16, i => (byte)(i % 21));
        WriteList(root, "train", "b", "a");
        var dataset = new VocSegmentationDataset(_dir.Path, "train");
        dataset.Root.Should().Be(Path.GetFullPath(root));
        dataset.Count.Should().Be(2);
        dataset.Id(0).Should().Be("b");
        var sample = dataset.Read(1);
        (sample.Height, sample.Width).Should().Be((16, 16));
        sample.Mask.Should().Equal(Enumerable.Range(0, 256).Select(i => (byte)(i % 21)));
        // The image: ImageFiles.RgbJpeg's top-left block is about (200, 30, 40).
        sample.Image[0].Should().BeApproximately(200 / 255f, 3 / 255f);
        sample.Image[256].Should().BeApproximately(30 / 255f, 3 / 255f);
    }

    [Fact]
    public void Corrupt_or_mismatched_files_name_the_file()
    {
        WriteSample(_dir.Path, "small", 8, 8, _ => 1);
        WriteSample(_dir.Path, "index", 16, 16, i => (byte)(i == 37 ? 30 : 0));
        _dir.Write(Path.Combine("SegmentationClass", "colour.png"), ImageFiles.Png(16, 16, 3, Enumerable.Repeat((byte)7, 16 * 16 * 3).ToArray()));
        _dir.Write(Path.Combine("JPEGImages", "colour.jpg"), ImageFiles.RgbJpeg);
        _dir.Write(Path.Combine("JPEGImages", "nomask.jpg"), ImageFiles.RgbJpeg);
        WriteList(_dir.Path, "val", "small", "index", "colour", "nomask");
        var dataset = new VocSegmentationDataset(_dir.Path, "val");

        dataset.Invoking(d => d.Read(0)).Should().Throw<InvalidDataException>().WithMessage($"{dataset.MaskPath(0)}: mask is 8 x 8 but its image*16 x 16");
        dataset.Invoking(d => d.Read(1)).Should().Throw<InvalidDataException>().WithMessage($"{dataset.MaskPath(1)}: palette index 30 at (x 5, y 2) is out of range: classes are 0..20 and 255");
        dataset.Invoking(d => d.Read(2)).Should().Throw<InvalidDataException>().WithMessage($"{dataset.MaskPath(2)}: colour (7, 7, 7) at (x 0, y 0) is not in the VOC palette");
        dataset.Invoking(d => d.Read(3)).Should().Throw<InvalidDataException>().WithMessage($"{dataset.MaskPath(3)}: missing (image id 'nomask' is listed in*val.txt)");
        FluentActions.Invoking(() => new VocSegmentationDataset(_dir.Path, "test")).Should().Throw<InvalidDataException>().WithMessage("*test.txt: missing*");
        WriteList(_dir.Path, "twice", "small", "small");
        FluentActions.Invoking(() => new VocSegmentationDataset(_dir.Path, "twice")).Should().Throw<InvalidDataException>().WithMessage("*twice.txt: image id 'small' is listed twice");
        FluentActions.Invoking(() => new VocSegmentationDataset(Path.Combine(_dir.Path, "nowhere"), "val")).Should().Throw<DirectoryNotFoundException>().WithMessage("*no VOC layout*");
    }

    // A sample: ImageFiles.RgbJpeg (16 x 16) as the image, a palette mask of height x width.
    private static void WriteSample(string root, string id, int height, int width, Func<int, byte> label)
    {
        string masks = Path.Combine(root, "SegmentationClass"), images = Path.Combine(root, "JPEGImages");
        Directory.CreateDirectory(masks);
        Directory.CreateDirectory(images);
        File.WriteAllBytes(Path.Combine(images, id + ".jpg"), ImageFiles.RgbJpeg);
        PalettePng.Write(Path.Combine(masks, id + ".png"), Enumerable.Range(0, height * width).Select(label).ToArray(), width, height, VocPalette.Rgb);
    }

    private static void WriteList(string root, string split, params string[] ids)
    {
        string lists = Path.Combine(root, "ImageSets", "Segmentation");
        Directory.CreateDirectory(lists);
        File.WriteAllLines(Path.Combine(lists, split + ".txt"), ids);
    }
}

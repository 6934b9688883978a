using Cac.Data;
using FluentAssertions;
using Xunit;
using static Cac.Tests.Data.ImageFiles;

namespace Cac.Tests.Data;

public class ImageFolderDatasetTests
{
    private static float[] Read(IImageDataset ds, int i)
    {
        var img = new float[ds.ImageShape.Length];
        ds.CopyImage(i, img);
        return img;
    }

    // Planar (C, H, W) floats of interleaved (H, W, C) bytes.
    private static float[] Planar(byte[] interleaved, int w, int h, int c)
    {
        var p = new float[interleaved.Length];
        for (int i = 0; i < h * w; i++)
            for (int k = 0; k < c; k++)
                p[k * h * w + i] = interleaved[i * c + k] / 255f;
        return p;
    }

    private static InvalidDataException Fails(Action act, string path)
    {
        var e = act.Should().Throw<InvalidDataException>().Which;
        e.Message.Should().StartWith(path + ": ");
        DataFormat.PathOf(e).Should().Be(path);
        return e;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Classes_are_sorted_subfolders_and_rgb_pngs_decode_exactly(bool eager)
    {
        using var dir = new TempDir();
        dir.Write("zebra/b.png", Png(5, 4, 3, Pixels(5, 4, 3, seed: 2)));
        dir.Write("zebra/a.png", Png(5, 4, 3, Pixels(5, 4, 3, seed: 1)));
        dir.Write("Apple/nested/x.PNG", Png(5, 4, 3, Pixels(5, 4, 3, seed: 3)));
        dir.Write("Apple/notes.txt", "not an image"u8.ToArray());
        dir.Write("Apple/.hidden.png", "junk"u8.ToArray());
        dir.Write(".git/y.png", "junk"u8.ToArray());
        var ds = ImageFolderDataset.Open(dir.Path, new ImageFolderOptions(Eager: eager));

        ds.ClassNames.Should().Equal("Apple", "zebra");
        ds.Count.Should().Be(3);
        ds.ImageShape.Should().Be(new ImageShape(3, 4, 5));
        ds.IsEager.Should().Be(eager);
        ds.Samples.Select(s => Path.GetRelativePath(dir.Path, s.Path)).Should().Equal(
            Path.Combine("Apple", "nested", "x.PNG"), Path.Combine("zebra", "a.png"), Path.Combine("zebra", "b.png"));
        Enumerable.Range(0, 3).Select(ds.Label).Should().Equal(0, 1, 1);
        Read(ds, 0).Should().Equal(Planar(Pixels(5, 4, 3, seed: 3), 5, 4, 3));
        Read(ds, 2).Should().Equal(Planar(Pixels(5, 4, 3, seed: 2), 5, 4, 3));
    }

    [Fact]
    public void Grey_is_replicated_to_rgb_and_rgb_reduced_to_grey_with_stb_weights()
    {
        using var dir = new TempDir();
        var grey = Pixels(3, 2, 1, seed: 4);
        var rgba = Pixels(3, 2, 4, seed: 5);
        dir.Write("a/grey.png", Png(3, 2, 1, grey));
        dir.Write("b/rgba.png", Png(3, 2, 4, rgba));

        var rgb = ImageFolderDataset.Open(dir.Path, new ImageFolderOptions(Channels: 3));
        var image = Read(rgb, 0);
        for (int c = 0; c < 3; c++) image.AsSpan(c * 6, 6).ToArray().Should().Equal(grey.Select(v => v / 255f));
        var noAlpha = Enumerable.Range(0, 6).SelectMany(i => new[] { rgba[i * 4], rgba[i * 4 + 1], rgba[i * 4 + 2] }).ToArray();
        Read(rgb, 1).Should().Equal(Planar(noAlpha, 3, 2, 3), "alpha is dropped");

        var mono = ImageFolderDataset.Open(dir.Path, new ImageFolderOptions(Channels: 1));
        mono.ImageShape.Should().Be(new ImageShape(1, 2, 3));
        Read(mono, 0).Should().Equal(grey.Select(v => v / 255f));
        var luma = Enumerable.Range(0, 6).Select(i => ((rgba[i * 4] * 77 + rgba[i * 4 + 1] * 150 + rgba[i * 4 + 2] * 29) >> 8) / 255f);
        Read(mono, 1).Should().Equal(luma);
    }

    [Fact]
    public void Jpegs_decode_close_to_pillow()
    {
        using var dir = new TempDir();
        dir.Write("colour/a.jpg", RgbJpeg);
        dir.Write("grey/b.JPEG", GreyJpeg);
        var ds = ImageFolderDataset.Open(dir.Path, new ImageFolderOptions(Height: 16, Width: 16));
        var img = Read(ds, 0);
        var centres = new[] { (3, 3), (3, 12), (12, 3), (12, 12) };
        const float tolerance = 3f / 255f; // two JPEG decoders (stb vs libjpeg) differ by a level or two
        for (int k = 0; k < 4; k++)
        {
            var (y, x) = centres[k];
            var (r, green, b) = RgbJpegReference[k];
            img[(0 * 16 + y) * 16 + x].Should().BeApproximately(r / 255f, tolerance);
            img[(1 * 16 + y) * 16 + x].Should().BeApproximately(green / 255f, tolerance);
            img[(2 * 16 + y) * 16 + x].Should().BeApproximately(b / 255f, tolerance);
        }
        var (pixels, shape) = ImageDecoder.Decode(Path.Combine(dir.Path, "grey", "b.JPEG"), 1);
        shape.Should().Be(new ImageShape(1, 8, 16));
        pixels[3 * 16 + 3].Should().BeApproximately(60 / 255f, tolerance);
        pixels[3 * 16 + 12].Should().BeApproximately(190 / 255f, tolerance);
    }

    [Fact]
    public void Different_sizes_without_a_size_name_the_file_and_both_sizes()
    {
        using var dir = new TempDir();
        string first = dir.Write("a/1.png", Png(4, 3, 3, Pixels(4, 3, 3)));
        string odd = dir.Write("b/2.png", Png(6, 5, 3, Pixels(6, 5, 3)));
        var e = Fails(() => ImageFolderDataset.Open(dir.Path), odd);
        e.Message.Should().Contain("5 x 6").And.Contain("3 x 4").And.Contain(first);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_given_size_resizes_bilinearly(bool eager)
    {
        using var dir = new TempDir();
        var small = Pixels(4, 3, 3, seed: 1);
        var large = Pixels(6, 5, 3, seed: 2);
        dir.Write("a/1.png", Png(4, 3, 3, small));
        dir.Write("b/2.png", Png(6, 5, 3, large));
        var ds = ImageFolderDataset.Open(dir.Path, new ImageFolderOptions(Height: 5, Width: 4, Eager: eager));
        ds.ImageShape.Should().Be(new ImageShape(3, 5, 4));
        ds.Resizes.Should().BeTrue();
        foreach (var (i, px, w, h) in new[] { (0, small, 4, 3), (1, large, 6, 5) })
        {
            var expected = new float[3 * 5 * 4];
            Resize.Bilinear(Planar(px, w, h, 3), new ImageShape(3, h, w), expected, 5, 4);
            Read(ds, i).Should().Equal(expected);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_file_that_is_not_an_image_is_named(bool eager)
    {
        using var dir = new TempDir();
        dir.Write("a/ok.png", Png(2, 2, 3, Pixels(2, 2, 3)));
        string bad = dir.Write("b/bad.png", "this is text, not a PNG"u8.ToArray());
        Fails(() => ImageFolderDataset.Open(dir.Path, new ImageFolderOptions(Eager: eager)), bad)
            .Message.Should().Contain("not a PNG or JPEG");
        string empty = dir.Write("b/bad.png", []);
        Fails(() => ImageFolderDataset.Open(dir.Path, new ImageFolderOptions(Eager: eager)), empty).Message.Should().Contain("empty");
    }

    [Fact]
    public void Corrupt_pixel_data_fails_when_decoded_lazily_and_when_opened_eagerly()
    {
        using var dir = new TempDir();
        dir.Write("a/ok.png", Png(4, 4, 3, Pixels(4, 4, 3)));
        var png = Png(8, 8, 3, Pixels(8, 8, 3, seed: 9));
        // Overwrite the IDAT payload (the zlib stream) with 0xFF; the header stays valid.
        int idat = System.Text.Encoding.ASCII.GetString(png).IndexOf("IDAT", StringComparison.Ordinal);
        int length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(idat - 4));
        png.AsSpan(idat + 4, length).Fill(0xFF);
        string bad = dir.Write("b/bad.png", png);
        var lazy = ImageFolderDataset.Open(dir.Path, new ImageFolderOptions(Height: 4, Width: 4));
        Fails(() => Read(lazy, 1), bad).Message.Should().Contain("corrupt PNG");
        Fails(() => ImageFolderDataset.Open(dir.Path, new ImageFolderOptions(Height: 4, Width: 4, Eager: true)), bad);
    }

    [Fact]
    public async Task A_jpeg_segment_running_past_the_end_fails_promptly()
    {
        // Regression: StbImageSharp's marker scan looped forever when a segment length seeked past the end.
        using var dir = new TempDir();
        string path = dir.Write("a/x.jpg", [0xFF, 0xD8, 0xFF, 0xE0, 0x4E, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00]);
        var open = Task.Run(() => ImageFolderDataset.Open(dir.Path));
        var e = await FluentActions.Awaiting(() => open.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowAsync<InvalidDataException>();
        e.Which.Message.Should().StartWith(path + ": ").And.Contain("JPEG");
    }

    [Fact]
    public void Huge_declared_sizes_are_rejected_from_the_header()
    {
        using var dir = new TempDir();
        var png = Png(2, 2, 3, Pixels(2, 2, 3));
        // IHDR width/height at bytes 16..23 (big-endian); stb does not check the CRC.
        png[16] = 0; png[17] = 0; png[18] = 0x40; png[19] = 0;
        png[20] = 0; png[21] = 0; png[22] = 0x20; png[23] = 0;
        string path = dir.Write("a/huge.png", png);
        Fails(() => ImageFolderDataset.Open(dir.Path), path).Message.Should().Contain("16384 x 8192");
    }

    [Fact]
    public void Layout_errors_name_the_directory()
    {
        using var dir = new TempDir();
        FluentActions.Invoking(() => ImageFolderDataset.Open(Path.Combine(dir.Path, "missing")))
            .Should().Throw<DirectoryNotFoundException>().WithMessage("*missing*");
        Fails(() => ImageFolderDataset.Open(dir.Path), dir.Path).Message.Should().Contain("no class sub-folders");
        dir.Write("a/1.png", Png(2, 2, 3, Pixels(2, 2, 3)));
        string emptyClass = Path.Combine(dir.Path, "b");
        dir.Write("b/readme.txt", "x"u8.ToArray());
        Fails(() => ImageFolderDataset.Open(dir.Path), emptyClass).Message.Should().Contain("class 'b' has no images");
    }

    [Fact]
    public void Bad_options_are_argument_errors()
    {
        using var dir = new TempDir();
        dir.Write("a/1.png", Png(2, 2, 3, Pixels(2, 2, 3)));
        FluentActions.Invoking(() => ImageFolderDataset.Open(dir.Path, new ImageFolderOptions(Channels: 2))).Should().Throw<ArgumentException>().WithMessage("*channel count 2*");
        FluentActions.Invoking(() => ImageFolderDataset.Open(dir.Path, new ImageFolderOptions(Height: 4))).Should().Throw<ArgumentException>().WithMessage("*both height and width*");
        FluentActions.Invoking(() => ImageFolderDataset.Open(dir.Path, new ImageFolderOptions(Height: 0, Width: 3))).Should().Throw<ArgumentException>().WithMessage("*positive*");
    }

    [Fact]
    public void Feeds_the_data_loader_with_transforms()
    {
        using var dir = new TempDir();
        for (int i = 0; i < 5; i++) dir.Write($"c{i % 2}/{i}.png", Png(6, 6, 3, Pixels(6, 6, 3, seed: i)));
        var ds = ImageFolderDataset.Open(dir.Path);
        var loader = new DataLoader(ds, 2, transform: new Compose(new Resize(8, 8), new CenterCrop(4)), prefetch: true);
        var batches = loader.ToList();
        batches.Should().HaveCount(3);
        batches[0].Images.Shape.ToArray().Should().Equal(2, 3, 4, 4);
        batches[2].Labels.Shape.ToArray().Should().Equal(1);
        foreach (var b in batches) b.Dispose();
    }
}

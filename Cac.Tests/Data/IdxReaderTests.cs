using Cac.Data;
using FluentAssertions;
using Xunit;
using static Cac.Tests.Data.IdxFiles;

namespace Cac.Tests.Data;

public class IdxReaderTests
{
    private static InvalidDataException ReadImagesFails(string path)
    {
        var act = () => IdxReader.ReadImages(path);
        var e = act.Should().Throw<InvalidDataException>().Which;
        e.Message.Should().Contain(path);
        DataFormat.PathOf(e).Should().Be(path);
        return e;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Round_trip_images_and_labels(bool gz)
    {
        using var dir = new TempDir();
        string images = dir.Write("img-idx3-ubyte", Images(5, 4, 3), gz);
        string labels = dir.Write("lbl-idx1-ubyte", Labels(3, 1, 4, 1, 5), gz);

        var read = IdxReader.ReadImages(images);
        read.Count.Should().Be(5);
        read.Rows.Should().Be(4);
        read.Columns.Should().Be(3);
        read.Pixels.Should().Equal(Pixels(5, 4, 3));
        IdxReader.ReadLabels(labels).Should().Equal(3, 1, 4, 1, 5);
    }

    [Fact]
    public void Gzip_is_detected_by_content_not_extension()
    {
        using var dir = new TempDir();
        string gzNamedRaw = dir.Write("a.raw", Gzip(Images(2, 3, 3)));
        string rawNamedGz = dir.Write("b.gz", Images(2, 3, 3));
        IdxReader.ReadImages(gzNamedRaw).Pixels.Should().Equal(Pixels(2, 3, 3));
        IdxReader.ReadImages(rawNamedGz).Pixels.Should().Equal(Pixels(2, 3, 3));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Label_magic_in_an_image_file_is_reported_in_hex(bool gz)
    {
        using var dir = new TempDir();
        string path = dir.Write("x", [.. Header(0x00000801, 4), 1, 2, 3, 4], gz);
        var e = ReadImagesFails(path);
        e.Message.Should().Contain("0x00000801").And.Contain("expected 0x00000803").And.Contain("dimensions");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Non_idx_magic_is_a_wrong_magic_error(bool gz)
    {
        using var dir = new TempDir();
        string path = dir.Write("x", [.. Header(0x12345678, 1, 1, 1), 7], gz);
        ReadImagesFails(path).Message.Should().Contain("wrong magic number 0x12345678").And.Contain("expected 0x00000803");
    }

    [Fact]
    public void Image_magic_in_a_label_file_is_reported()
    {
        using var dir = new TempDir();
        string path = dir.Write("labels", Images(2, 2, 2));
        var e = FluentActions.Invoking(() => IdxReader.ReadLabels(path)).Should().Throw<InvalidDataException>().Which;
        e.Message.Should().Contain(path).And.Contain("0x00000803").And.Contain("expected 0x00000801");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Unsupported_data_type_byte(bool gz)
    {
        using var dir = new TempDir();
        string path = dir.Write("x", [.. Header(0x00000D03, 1, 1, 1), 0, 0, 0, 0], gz);
        ReadImagesFails(path).Message.Should().Contain("unsupported IDX data type byte 0x0D").And.Contain("float32");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Wrong_number_of_dimensions(bool gz)
    {
        using var dir = new TempDir();
        string path = dir.Write("x", [.. Header(0x00000802, 2, 2), 1, 2, 3, 4], gz);
        ReadImagesFails(path).Message.Should().Contain("wrong number of dimensions 2").And.Contain("has 3").And.Contain("0x00000802, expected 0x00000803");
    }

    [Theory]
    [InlineData(0, 4, 4, "dimension 0 (count) is 0")]
    [InlineData(3, -5, 4, "dimension 1 (rows) is -5")]
    [InlineData(3, 4, 0, "dimension 2 (columns) is 0")]
    [InlineData(100000, 100000, 100000, "too large")]
    [InlineData(int.MaxValue, 2, 1, "too large")]
    public void Bad_dimensions(int n, int rows, int cols, string problem)
    {
        foreach (bool gz in new[] { false, true })
        {
            using var dir = new TempDir();
            string path = dir.Write("x", [.. Header(0x00000803, n, rows, cols), 1, 2, 3], gz);
            ReadImagesFails(path).Message.Should().Contain(problem);
        }
    }

    [Theory]
    [InlineData(false, "file has 38")]
    [InlineData(true, "decompressed file has 38")]
    public void Truncated_pixel_data(bool gz, string has)
    {
        using var dir = new TempDir();
        var full = Images(4, 4, 3); // 48 pixel bytes
        string path = dir.Write("x", full[..^10], gz);
        ReadImagesFails(path).Message.Should().Contain("expected 48 bytes of pixel data").And.Contain(has);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Truncated_header(bool gz)
    {
        using var dir = new TempDir();
        string path = dir.Write("x", Images(1, 2, 2)[..10], gz);
        ReadImagesFails(path).Message.Should().Contain("truncated header").And.Contain("16");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Trailing_garbage(bool gz)
    {
        using var dir = new TempDir();
        string path = dir.Write("x", [.. Images(2, 2, 2), 9, 9, 9], gz);
        ReadImagesFails(path).Message.Should().Contain("trailing garbage").And.Contain("8 bytes of pixel data");
    }

    [Fact]
    public void Truncated_labels_name_label_data()
    {
        using var dir = new TempDir();
        string path = dir.Write("l", [.. Header(0x00000801, 10), 1, 2, 3]);
        var e = FluentActions.Invoking(() => IdxReader.ReadLabels(path)).Should().Throw<InvalidDataException>().Which;
        e.Message.Should().Contain(path).And.Contain("expected 10 bytes of label data, file has 3");
    }

    [Fact]
    public void Corrupt_gzip_stream()
    {
        using var dir = new TempDir();
        // A valid gzip member header (magic, deflate, no flags) followed by bytes that are not a deflate stream
        // (block type 3 is reserved).
        byte[] bytes = [0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        string path = dir.Write("x.gz", bytes);
        ReadImagesFails(path).Message.Should().Contain("corrupt gzip stream");
    }

    [Fact]
    public void Corrupt_gzip_checksum()
    {
        using var dir = new TempDir();
        var gz = Gzip(Images(3, 5, 5));
        gz[^8] ^= 0x55; // CRC-32 of the member trailer
        string path = dir.Write("x.gz", gz);
        ReadImagesFails(path).Message.Should().Contain("corrupt gzip stream");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_header_that_claims_huge_data_does_not_allocate_it(bool gz)
    {
        using var dir = new TempDir();
        // Claims 500,000 images of 28 x 28 (392 MB) but holds 2.
        string path = dir.Write("x", [.. Header(0x00000803, 500_000, 28, 28), .. new byte[2 * 784]], gz);
        long before = GC.GetAllocatedBytesForCurrentThread();
        ReadImagesFails(path).Message.Should().Contain("expected 392000000 bytes of pixel data");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        allocated.Should().BeLessThan(8 << 20, "the reader must not trust the header before seeing the data");
    }
}

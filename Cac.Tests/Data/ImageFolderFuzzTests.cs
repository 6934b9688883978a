using Cac.Data;
using FluentAssertions;
using Xunit;
using static Cac.Tests.Data.ImageFiles;

namespace Cac.Tests.Data;

/// <summary>Random corruptions of valid PNG/JPEG files: loading succeeds or throws InvalidDataException naming the file, promptly.</summary>
public class ImageFolderFuzzTests
{
    private const int Mutations = 250;

    private static byte[] Mutate(byte[] valid, Random rng)
    {
        var bytes = new List<byte>(valid);
        switch (rng.Next(4))
        {
            case 0: FuzzHarness.FlipBytes(bytes, rng); break;
            case 1: FuzzHarness.Truncate(bytes, rng); break;
            case 2: FuzzHarness.InsertBytes(bytes, rng); break;
            default:
                // Header-heavy corruption: the first 64 bytes hold the signatures, sizes and tables.
                for (int k = rng.Next(1, 3); k > 0; k--) bytes[rng.Next(Math.Min(64, bytes.Count))] = (byte)rng.Next(256);
                break;
        }
        return [.. bytes];
    }

    public static TheoryData<string, int> Files => new() { { "png", 21 }, { "png-grey", 22 }, { "jpeg", 23 }, { "jpeg-grey", 24 } };

    private static byte[] Valid(string kind) => kind switch
    {
        "png" => Png(7, 5, 3, Pixels(7, 5, 3)),
        "png-grey" => Png(6, 4, 1, Pixels(6, 4, 1)),
        "jpeg" => RgbJpeg,
        _ => GreyJpeg,
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Mutated_images_fail_only_with_invalid_data(string kind, int seed) => Fuzz(kind, seed);

    private static void Fuzz(string kind, int seed)
    {
        var valid = Valid(kind);
        using var dir = new TempDir();
        var rng = new Random(seed);
        var (ok, rejected) = FuzzHarness.Run<ImageFolderDataset>(Mutations, m =>
        {
            string sub = Path.Combine(dir.Path, $"m{m}");
            string path = Path.Combine(sub, "c", kind.StartsWith("png") ? "x.png" : "x.jpg");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, Mutate(valid, rng));
            var options = new ImageFolderOptions(Channels: m % 2 == 0 ? 3 : 1, Height: 6, Width: 6, Eager: true);
            return (path, () => ImageFolderDataset.Open(sub, options));
        }, messagePrefixed: true, ds =>
        {
            var img = new float[ds.ImageShape.Length];
            ds.CopyImage(0, img);
            img.Should().OnlyContain(v => v >= 0f && v <= 1f);
        });
        (ok + rejected).Should().Be(Mutations);
        // PNG has a checked zlib stream; stb decodes damaged JPEG entropy data and truncated scans without complaint
        // (as libjpeg does, with warnings), so fewer JPEG corruptions are detectable.
        rejected.Should().BeGreaterThan(kind.StartsWith("png") ? Mutations / 5 : Mutations / 10, "corruptions of the headers are detectable");
        ok.Should().BeGreaterThan(0, "some corruptions leave a decodable image");
    }
}

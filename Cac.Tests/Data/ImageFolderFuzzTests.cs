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
            case 0:
                for (int k = rng.Next(1, 4); k > 0; k--) bytes[rng.Next(bytes.Count)] = (byte)rng.Next(256);
                break;
            case 1:
                int keep = rng.Next(bytes.Count);
                bytes.RemoveRange(keep, bytes.Count - keep);
                break;
            case 2:
                bytes.InsertRange(rng.Next(bytes.Count + 1), Enumerable.Range(0, rng.Next(1, 6)).Select(_ => (byte)rng.Next(256)));
                break;
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
        int ok = 0, rejected = 0;
        for (int m = 0; m < Mutations; m++)
        {
            string sub = Path.Combine(dir.Path, $"m{m}");
            string path = Path.Combine(sub, "c", kind.StartsWith("png") ? "x.png" : "x.jpg");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, Mutate(valid, rng));
            var options = new ImageFolderOptions(Channels: m % 2 == 0 ? 3 : 1, Height: 6, Width: 6, Eager: true);
            var run = Task.Run(() => ImageFolderDataset.Open(sub, options));
            bool finished;
            try { finished = run.Wait(TimeSpan.FromSeconds(10)); }
            catch (AggregateException e)
            {
                var inner = e.InnerException!;
                inner.Should().BeOfType<InvalidDataException>($"mutation {m} may only be rejected as invalid data, got {inner}");
                inner.Message.Should().StartWith(path + ": ");
                rejected++;
                continue;
            }
            finished.Should().BeTrue($"mutation {m} must not hang");
            var img = new float[run.Result.ImageShape.Length];
            run.Result.CopyImage(0, img);
            img.Should().OnlyContain(v => v >= 0f && v <= 1f);
            ok++;
        }
        (ok + rejected).Should().Be(Mutations);
        // PNG has a checked zlib stream; stb decodes damaged JPEG entropy data and truncated scans without complaint
        // (as libjpeg does, with warnings), so fewer JPEG corruptions are detectable.
        rejected.Should().BeGreaterThan(kind.StartsWith("png") ? Mutations / 5 : Mutations / 10, "corruptions of the headers are detectable");
        ok.Should().BeGreaterThan(0, "some corruptions leave a decodable image");
    }
}

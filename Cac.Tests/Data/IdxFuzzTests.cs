using Cac.Data;
using FluentAssertions;
using Xunit;
using static Cac.Tests.Data.IdxFiles;

namespace Cac.Tests.Data;

/// <summary>Random corruptions of valid files: the reader either succeeds consistently or throws InvalidDataException, promptly.</summary>
public class IdxFuzzTests
{
    private const int Mutations = 200;

    // One random corruption: flip bytes, truncate, insert or append bytes.
    private static byte[] Mutate(byte[] valid, Random rng)
    {
        var bytes = new List<byte>(valid);
        switch (rng.Next(4))
        {
            case 0: FuzzHarness.FlipBytes(bytes, rng); break;
            case 1: FuzzHarness.Truncate(bytes, rng); break;
            case 2: FuzzHarness.InsertBytes(bytes, rng); break;
            default: bytes.AddRange(FuzzHarness.RandomBytes(rng.Next(1, 6), rng)); break;
        }
        return [.. bytes];
    }

    private static (int Ok, int Rejected) Fuzz(byte[] valid, Func<string, int> read, int seed)
    {
        using var dir = new TempDir();
        var rng = new Random(seed);
        return FuzzHarness.Run<int>(Mutations, m =>
        {
            string path = dir.Write($"m{m}", Mutate(valid, rng));
            return (path, () => read(path));
        }, messagePrefixed: false);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    public void Mutated_image_files_fail_only_with_invalid_data(bool gz, int seed)
    {
        var raw = Images(6, 5, 4);
        var valid = gz ? Gzip(raw) : raw;
        var (ok, rejected) = Fuzz(valid, path =>
        {
            var img = IdxReader.ReadImages(path);
            img.Pixels.Length.Should().Be(img.Count * img.Rows * img.Columns);
            return img.Count;
        }, seed);
        (ok + rejected).Should().Be(Mutations);
        rejected.Should().BeGreaterThan(Mutations / 4, "most corruptions are detectable");
    }

    [Theory]
    [InlineData(false, 3)]
    [InlineData(true, 4)]
    public void Mutated_label_files_fail_only_with_invalid_data(bool gz, int seed)
    {
        var raw = Labels(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 1, 4);
        var valid = gz ? Gzip(raw) : raw;
        var (ok, rejected) = Fuzz(valid, path => IdxReader.ReadLabels(path).Length, seed);
        (ok + rejected).Should().Be(Mutations);
        rejected.Should().BeGreaterThan(Mutations / 4);
    }
}

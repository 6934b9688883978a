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
                bytes.AddRange(Enumerable.Range(0, rng.Next(1, 6)).Select(_ => (byte)rng.Next(256)));
                break;
        }
        return [.. bytes];
    }

    private static (int Ok, int Rejected) Fuzz(byte[] valid, Func<string, int> read, int seed)
    {
        using var dir = new TempDir();
        var rng = new Random(seed);
        int ok = 0, rejected = 0;
        for (int m = 0; m < Mutations; m++)
        {
            string path = dir.Write($"m{m}", Mutate(valid, rng));
            var run = Task.Run(() => read(path));
            bool finished;
            try { finished = run.Wait(TimeSpan.FromSeconds(10)); }
            catch (AggregateException e)
            {
                var inner = e.InnerException!;
                inner.Should().BeOfType<InvalidDataException>($"mutation {m} may only be rejected as invalid data, got {inner}");
                inner.Message.Should().Contain(path);
                rejected++;
                continue;
            }
            finished.Should().BeTrue($"mutation {m} must not hang");
            ok++;
        }
        return (ok, rejected);
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

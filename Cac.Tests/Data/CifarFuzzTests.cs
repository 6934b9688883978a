using Cac.Data;
using FluentAssertions;
using Xunit;
using static Cac.Tests.Data.CifarTestFiles;

namespace Cac.Tests.Data;

/// <summary>Random corruptions of valid CIFAR files: the reader succeeds consistently or throws InvalidDataException naming the file.</summary>
public class CifarFuzzTests
{
    private const int Mutations = 300;

    // One random corruption: overwrite label bytes or any bytes, truncate, insert or append bytes.
    private static byte[] Mutate(byte[] valid, int record, Random rng)
    {
        var bytes = new List<byte>(valid);
        switch (rng.Next(5))
        {
            case 0:
                for (int k = rng.Next(1, 3); k > 0; k--) bytes[rng.Next(bytes.Count / record) * record + rng.Next(record - 3072)] = (byte)rng.Next(256);
                break;
            case 1:
                for (int k = rng.Next(1, 4); k > 0; k--) bytes[rng.Next(bytes.Count)] = (byte)rng.Next(256);
                break;
            case 2:
                int keep = rng.Next(bytes.Count);
                bytes.RemoveRange(keep, bytes.Count - keep);
                break;
            case 3:
                bytes.InsertRange(rng.Next(bytes.Count + 1), Enumerable.Range(0, rng.Next(1, 6)).Select(_ => (byte)rng.Next(256)));
                break;
            default:
                bytes.AddRange(Enumerable.Range(0, rng.Next(1, 6) * (rng.Next(2) == 0 ? 1 : record)).Select(_ => (byte)rng.Next(256)));
                break;
        }
        return [.. bytes];
    }

    [Theory]
    [InlineData(CifarVariant.Cifar10, 11)]
    [InlineData(CifarVariant.Cifar100Fine, 12)]
    [InlineData(CifarVariant.Cifar100Coarse, 13)]
    public void Mutated_cifar_files_fail_only_with_invalid_data(CifarVariant variant, int seed) => Fuzz(variant, seed);

    private static void Fuzz(CifarVariant variant, int seed)
    {
        var valid = variant == CifarVariant.Cifar10 ? Cifar10(0, 0, 9, 4, 5) : Cifar100(0, (0, 0), (19, 99), (7, 40), (3, 12));
        int record = CifarReader.RecordBytes(variant);
        using var dir = new TempDir();
        var rng = new Random(seed);
        int ok = 0, rejected = 0;
        for (int m = 0; m < Mutations; m++)
        {
            var bytes = Mutate(valid, record, rng);
            string path = dir.Write($"m{m}.bin", bytes);
            var run = Task.Run(() => CifarReader.Read([path], variant));
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
            var ds = run.Result;
            (ds.Count * record).Should().Be(bytes.Length, "an accepted file is a whole number of records");
            ds.Labels.Should().OnlyContain(l => l >= 0 && l < ds.ClassCount);
            ok++;
        }
        (ok + rejected).Should().Be(Mutations);
        rejected.Should().BeGreaterThan(Mutations / 4, "most corruptions are detectable");
        ok.Should().BeGreaterThan(0, "pixel corruptions are valid files");
    }
}

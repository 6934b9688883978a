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
            case 1: FuzzHarness.FlipBytes(bytes, rng); break;
            case 2: FuzzHarness.Truncate(bytes, rng); break;
            case 3: FuzzHarness.InsertBytes(bytes, rng); break;
            default: bytes.AddRange(FuzzHarness.RandomBytes(rng.Next(1, 6) * (rng.Next(2) == 0 ? 1 : record), rng)); break;
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
        byte[] bytes = [];
        var (ok, rejected) = FuzzHarness.Run<ByteImageDataset>(Mutations, m =>
        {
            bytes = Mutate(valid, record, rng);
            string path = dir.Write($"m{m}.bin", bytes);
            return (path, () => CifarReader.Read([path], variant));
        }, messagePrefixed: true, ds =>
        {
            (ds.Count * record).Should().Be(bytes.Length, "an accepted file is a whole number of records");
            ds.Labels.Should().OnlyContain(l => l >= 0 && l < ds.ClassCount);
        });
        (ok + rejected).Should().Be(Mutations);
        rejected.Should().BeGreaterThan(Mutations / 4, "most corruptions are detectable");
        ok.Should().BeGreaterThan(0, "pixel corruptions are valid files");
    }
}

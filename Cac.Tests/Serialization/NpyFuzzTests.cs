using Cac.Serialization;
using Cac.Tests.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Serialization;

/// <summary>Random corruptions of valid .npy files: Npy.Load either loads a consistent tensor or throws InvalidDataException naming the file.</summary>
public class NpyFuzzTests
{
    private const int Mutations = 300;

    private static byte[] Mutate(byte[] valid, Random rng)
    {
        var bytes = new List<byte>(valid);
        switch (rng.Next(5))
        {
            case 0: FuzzHarness.FlipBytes(bytes, rng); break;
            case 1: FuzzHarness.Truncate(bytes, rng); break;
            case 2: FuzzHarness.InsertBytes(bytes, rng); break;
            case 3: bytes.AddRange(FuzzHarness.RandomBytes(rng.Next(1, 6), rng)); break;
            default:
                // Header-aware: overwrite one byte of the dict text with a character that matters to the parser.
                const string Special = "{}()[],:'\"-0123456789LTFx \n";
                bytes[rng.Next(10, Math.Min(bytes.Count, 128))] = (byte)Special[rng.Next(Special.Length)];
                break;
        }
        return [.. bytes];
    }

    [Theory]
    [InlineData("f4_2x3.npy", 1)]
    [InlineData("i4_2x3x4.npy", 2)]
    [InlineData("f4_v2.npy", 3)]
    [InlineData("f4_v3.npy", 4)]
    [InlineData("f8_scalar.npy", 5)]
    public void Mutated_npy_files_load_consistently_or_fail_with_invalid_data(string fixture, int seed)
    {
        var valid = File.ReadAllBytes(Path.Combine(NpyTests.FixtureDir, fixture));
        using var dir = new TempDir();
        var rng = new Random(seed);
        var (ok, rejected) = FuzzHarness.Run<Tensor>(Mutations, m =>
        {
            string path = dir.Write($"m{m}.npy", Mutate(valid, rng));
            return (path, () => Npy.Load(path));
        }, messagePrefixed: false, accepted: t =>
        {
            t.DType.Should().BeOneOf(DType.Float32, DType.Float64, DType.Int32);
            t.Numel.Should().Be(Shape.Numel(t.Dims));
        });
        (ok + rejected).Should().Be(Mutations);
        rejected.Should().BeGreaterThan(Mutations / 4, "most corruptions are detectable");
    }
}

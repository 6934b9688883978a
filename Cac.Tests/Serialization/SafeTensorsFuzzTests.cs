using System.Buffers.Binary;
using System.Text;
using Cac.Serialization;
using Cac.Tests.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Serialization;

/// <summary>
/// Random and targeted corruptions of safetensors files: SafeTensors.Load either returns consistent tensors or throws
/// InvalidDataException naming the file, promptly and without allocating what a lying header claims.
/// </summary>
public sealed class SafeTensorsFuzzTests : IDisposable
{
    private const int Mutations = 300;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    // A small valid file: float32, float64, int32 and an I64 num_batches_tracked, with metadata.
    private byte[] ValidFile()
    {
        string path = Path.Combine(_dir.Path, "valid.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor>
        {
            ["conv.weight"] = Tensor.RandN([2, 1, 3, 3], new Generator(1)),
            ["bn.running_mean"] = Tensor.FromArray([0.5, -0.25], [2]),
            ["labels"] = Tensor.FromArray([3, 1, 4], [3]),
            ["bn.num_batches_tracked"] = Tensor.FromArray([7], []),
        }, new Dictionary<string, string> { ["format"] = "pt" });
        return File.ReadAllBytes(path);
    }

    private static byte[] Mutate(byte[] valid, Random rng)
    {
        var bytes = new List<byte>(valid);
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        switch (rng.Next(6))
        {
            case 0: FuzzHarness.FlipBytes(bytes, rng); break;
            case 1: FuzzHarness.Truncate(bytes, rng); break;
            case 2: FuzzHarness.InsertBytes(bytes, rng); break;
            case 3: bytes.AddRange(FuzzHarness.RandomBytes(rng.Next(1, 6), rng)); break;
            case 4:
                // A JSON-significant character somewhere in the header.
                const string Special = "{}[],:\"-0123456789eE. FI\\";
                bytes[rng.Next(8, headerEnd)] = (byte)Special[rng.Next(Special.Length)];
                break;
            default:
                // A random byte of the 8-byte header length.
                bytes[rng.Next(8)] = (byte)rng.Next(256);
                break;
        }
        return [.. bytes];
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void Mutated_files_load_consistently_or_fail_with_invalid_data(int seed)
    {
        var valid = ValidFile();
        var rng = new Random(seed);
        var (ok, rejected) = FuzzHarness.Run<IReadOnlyDictionary<string, Tensor>>(Mutations, m =>
        {
            string path = _dir.Write($"m{m}.safetensors", Mutate(valid, rng));
            return (path, () => SafeTensors.Load(path));
        }, messagePrefixed: false, accepted: tensors =>
        {
            foreach (var t in tensors.Values) t.Numel.Should().Be(Shape.Numel(t.Dims));
        });
        (ok + rejected).Should().Be(Mutations);
        rejected.Should().BeGreaterThan(Mutations / 4, "most corruptions are detectable");
    }

    // A file with the given header JSON, data bytes, and declared header length (the true one by default).
    private string Raw(string name, string header, int dataBytes, ulong? declared = null, byte[]? headerBytes = null)
    {
        var h = headerBytes ?? Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declared ?? (ulong)h.Length);
        h.CopyTo(bytes, 8);
        return _dir.Write(name, bytes);
    }

    private static void Rejects(string path, params string[] words)
    {
        var act = () => SafeTensors.Load(path);
        var message = act.Should().Throw<InvalidDataException>().Which.Message;
        message.Should().StartWith($"safetensors file '{path}': ");
        foreach (var w in words) message.Should().Contain(w);
    }

    [Fact]
    public void A_header_length_of_2_pow_60_is_rejected_before_allocating()
    {
        Rejects(Raw("huge.safetensors", "{}", 16, declared: 1UL << 60), $"header length {1UL << 60} exceeds");
        Rejects(Raw("max.safetensors", "{}", 0, declared: ulong.MaxValue), "exceeds");
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "overlap")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "overlap")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 8, "outside the 8-byte data section")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 8, "outside")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "outside")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,9223372036854775807]}}", 8, "outside")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12, "cover 8 bytes of the 12-byte data section")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "gap of 4 bytes")]
    [InlineData("{\"a\":{\"dtype\":\"float32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "unsupported dtype 'float32'")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]}}", 8, "unsupported dtype 'U8'")]
    [InlineData("{\"a\":{\"dtype\":3,\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "non-string dtype")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "needs 12 bytes", "span 8")]
    [InlineData("{\"a\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "needs 16 bytes")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536,65536,65536],\"data_offsets\":[0,8]}}", 8, "needs")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "not a non-negative 32-bit integer")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967298],\"data_offsets\":[0,8]}}", 8, "not a non-negative 32-bit integer")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", 8, "not a non-negative 32-bit integer")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", 8, "non-array shape")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[\"0\",8]}}", 8, "are not integers")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,null]}}", 8, "are not integers")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0.5,8]}}", 8, "are not integers")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8, "two integers")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":{\"0\":8}}}", 8, "two integers")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "two integers")]
    [InlineData("{\"a\":[1,2]}", 8, "entry is not an object")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "names 'a' twice")]
    [InlineData("{\"__metadata__\":{\"k\":1}}", 0, "metadata value 'k' is not a string")]
    [InlineData("{\"__metadata__\":[]}", 0, "__metadata__ is not an object")]
    [InlineData("[]", 0, "not a JSON object")]
    [InlineData("{\"a\":", 0, "not valid JSON")]
    [InlineData("{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8, "does not fit in Int32")]
    public void Hostile_headers_are_rejected_naming_the_file_and_problem(string header, int dataBytes, params string[] words)
    {
        string path = Raw("bad.safetensors", header, dataBytes);
        if (header.Contains("\"I64\"", StringComparison.Ordinal))
        {
            // An I64 value that does not fit in Int32.
            var bytes = File.ReadAllBytes(path);
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(bytes.Length - 8), long.MaxValue);
            File.WriteAllBytes(path, bytes);
        }
        Rejects(path, words);
    }

    [Fact]
    public void Invalid_utf8_in_a_name_is_invalid_data()
    {
        var header = Encoding.UTF8.GetBytes("{\"a?\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}");
        header[3] = 0xFF;
        Rejects(Raw("utf8.safetensors", "", 4, headerBytes: header));
    }

    [Fact]
    public void A_lone_surrogate_escape_is_invalid_data()
    {
        Rejects(Raw("surrogate.safetensors", "{\"\\ud800\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "not valid Unicode");
        Rejects(Raw("meta.safetensors", "{\"__metadata__\":{\"k\":\"\\udc00\"}}", 0), "not valid Unicode");
    }

    [Fact]
    public void Files_shorter_than_the_length_field_are_rejected()
    {
        Rejects(_dir.Write("empty.safetensors", []), "shorter than the 8-byte header length");
        Rejects(_dir.Write("seven.safetensors", new byte[7]), "shorter than the 8-byte header length");
    }
}

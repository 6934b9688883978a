using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Cac.Nn;
using Cac.Serialization;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Serialization;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cac-safetensors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    // A file with the given header JSON and data bytes, and a declared header length (the true one by default).
    private string WriteRaw(string name, string headerJson, byte[] data, ulong? declaredLength = null)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        var path = PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Round_trip_keeps_names_order_dtypes_shapes_values_and_metadata()
    {
        var tensors = new OrderedDictionary<string, Tensor>
        {
            ["z.weight"] = Tensor.FromArray([1.5f, -2f, 3.25f, 0f, 1e-30f, float.MaxValue], [2, 3]),
            ["a.double"] = Tensor.FromArray([Math.PI, -1e300], [2]),
            ["labels"] = Tensor.FromArray([1, -7, int.MaxValue], [3]),
            ["scalar"] = Tensor.Scalar(4.5),
            ["empty"] = Tensor.Zeros([0, 4]),
        };
        var path = PathOf("model.safetensors");
        SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["epoch"] = "3" });

        var loaded = SafeTensors.Load(path, out var metadata);

        loaded.Keys.Should().Equal("z.weight", "a.double", "labels", "scalar", "empty");
        foreach (var (name, t) in tensors)
        {
            loaded[name].DType.Should().Be(t.DType, name);
            loaded[name].Shape.Should().Equal(t.Shape, name);
            loaded[name].Device.Should().Be(Device.Cpu);
        }
        loaded["z.weight"].ToFloatArray().Should().Equal(tensors["z.weight"].ToFloatArray());
        loaded["a.double"].ToDoubleArray().Should().Equal(Math.PI, -1e300);
        loaded["labels"].ToIntArray().Should().Equal(1, -7, int.MaxValue);
        loaded["scalar"].Item().Should().Be(4.5);
        metadata.Should().Equal(new Dictionary<string, string> { ["format"] = "pt", ["epoch"] = "3" });
        File.Exists(path + ".tmp").Should().BeFalse();
    }

    [Fact]
    public void Header_follows_the_format_and_num_batches_tracked_is_written_as_I64()
    {
        var path = PathOf("bn.safetensors");
        var bn = new BatchNorm2d(2);
        Init.Constant(bn.NumBatchesTracked, 5);
        SafeTensors.Save(path, bn.StateDict());

        var bytes = File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        (n % 8).Should().Be(0);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)n));
        var nbt = header.RootElement.GetProperty("num_batches_tracked");
        nbt.GetProperty("dtype").GetString().Should().Be("I64");
        nbt.GetProperty("shape").GetArrayLength().Should().Be(0);
        var offsets = nbt.GetProperty("data_offsets");
        (offsets[1].GetInt64() - offsets[0].GetInt64()).Should().Be(8);
        header.RootElement.GetProperty("weight").GetProperty("dtype").GetString().Should().Be("F32");
        // The value is little-endian at the recorded offset.
        BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8 + (int)n + (int)offsets[0].GetInt64())).Should().Be(5);

        var loaded = SafeTensors.Load(path);
        loaded["num_batches_tracked"].DType.Should().Be(DType.Int32);
        loaded["num_batches_tracked"].Item().Should().Be(5);
        var other = new BatchNorm2d(2);
        other.LoadStateDict(loaded);
        other.NumBatchesTracked.Item().Should().Be(5);
    }

    [Fact]
    public void Module_state_dict_round_trips_through_a_file()
    {
        var rng = new Generator(3);
        var source = new Sequential(new Conv2d(2, 3, 3, generator: rng), new BatchNorm2d(3), new Linear(3, 2, generator: rng));
        var path = PathOf("net.safetensors");
        SafeTensors.Save(path, source.StateDict());
        var target = new Sequential(new Conv2d(2, 3, 3, generator: new Generator(4)), new BatchNorm2d(3), new Linear(3, 2, generator: new Generator(5)));
        target.LoadStateDict(SafeTensors.Load(path));
        foreach (var (name, p) in source.NamedParameters())
            target.StateDict()[name].ToFloatArray().Should().Equal(p.ToFloatArray(), name);
    }

    [Fact]
    public void Saving_replaces_an_existing_file()
    {
        var path = PathOf("overwrite.safetensors");
        File.WriteAllText(path, "old contents");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["x"] = Tensor.Ones([2]) });
        SafeTensors.Load(path)["x"].ToFloatArray().Should().Equal(1f, 1f);
    }

    [Fact]
    public void I64_values_load_as_Int32_and_F16_BF16_as_Float32()
    {
        var data = new byte[16 + 2 + 2];
        BinaryPrimitives.WriteInt64LittleEndian(data, -3);
        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(8), 1 << 20);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(16), BitConverter.HalfToUInt16Bits((Half)1.5));
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(18), 0xC040); // bf16 of -3.0
        var path = WriteRaw("ints.safetensors",
            """{"i":{"dtype":"I64","shape":[2],"data_offsets":[0,16]},"h":{"dtype":"F16","shape":[],"data_offsets":[16,18]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[18,20]}}""",
            data);
        var loaded = SafeTensors.Load(path);
        loaded["i"].ToIntArray().Should().Equal(-3, 1 << 20);
        loaded["h"].Item().Should().Be(1.5);
        loaded["b"].ToFloatArray().Should().Equal(-3f);
    }

    public static TheoryData<string, string, int, string> CorruptHeaders => new()
    {
        // name, header, data length, expected message fragment
        { "bad-json", """{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]""", 4, "*not valid JSON*" },
        { "out-of-range", """{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 4, "*outside the 4-byte data section*" },
        { "size-mismatch", """{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", 4, "*needs 8 bytes*" },
        { "unknown-dtype", """{"x":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}""", 8, "*unsupported dtype 'C64'*" },
        { "overlap", """{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "*overlap*" },
        { "gap", """{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "*gap*" },
        { "leftover", """{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 8, "*cover 4 bytes of the 8-byte*" },
        { "negative-dim", """{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4, "*shape entry -1*" },
        { "huge-shape", """{"x":{"dtype":"F64","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,8]}}""", 8, "*span 8*" },
        { "no-offsets", """{"x":{"dtype":"F32","shape":[1]}}""", 4, "*data_offsets*" },
        { "not-object", """[1,2]""", 0, "*not a JSON object*" },
        { "i64-overflow", """{"x":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}""", 8, "*does not fit in Int32*" },
    };

    [Theory]
    [MemberData(nameof(CorruptHeaders))]
    public void Corrupt_headers_throw_InvalidDataException_naming_the_file(string name, string header, int dataLength, string message)
    {
        var data = new byte[dataLength];
        if (name == "i64-overflow") BinaryPrimitives.WriteInt64LittleEndian(data, 1L << 40);
        var path = WriteRaw(name + ".safetensors", header, data);
        var act = () => SafeTensors.Load(path);
        act.Should().Throw<InvalidDataException>().WithMessage($"*{name}.safetensors*").WithMessage(message);
    }

    [Fact]
    public void Truncated_files_are_rejected()
    {
        var path = PathOf("whole.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["x"] = Tensor.Ones([16]) });
        var bytes = File.ReadAllBytes(path);

        var cut = PathOf("cut.safetensors");
        File.WriteAllBytes(cut, bytes[..^4]);
        var act = () => SafeTensors.Load(cut);
        act.Should().Throw<InvalidDataException>().WithMessage("*cut.safetensors*outside*");

        var tiny = PathOf("tiny.safetensors");
        File.WriteAllBytes(tiny, bytes[..5]);
        act = () => SafeTensors.Load(tiny);
        act.Should().Throw<InvalidDataException>().WithMessage("*tiny.safetensors*5 bytes*");
    }

    [Fact]
    public void A_huge_declared_header_length_is_rejected_before_allocating()
    {
        var path = WriteRaw("huge.safetensors", "{}", [], declaredLength: ulong.MaxValue - 7);
        var act = () => SafeTensors.Load(path);
        act.Should().Throw<InvalidDataException>().WithMessage("*huge.safetensors*header length*exceeds*");
    }

    [Fact]
    public void Duplicate_names_in_the_header_are_rejected()
    {
        var path = WriteRaw("dup.safetensors",
            """{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", new byte[8]);
        var act = () => SafeTensors.Load(path);
        act.Should().Throw<InvalidDataException>().WithMessage("*dup.safetensors*'x' twice*");
    }

    [Fact]
    public void Invalid_names_are_rejected_on_save()
    {
        var act = () => SafeTensors.Save(PathOf("bad.safetensors"), new Dictionary<string, Tensor> { ["__metadata__"] = Tensor.Ones([1]) });
        act.Should().Throw<ArgumentException>();
        File.Exists(PathOf("bad.safetensors")).Should().BeFalse();
    }
}

using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Cac.Serialization;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Serialization;

/// <summary>Cac.Serialization.Npy: round trips, files written by numpy (Fixtures/npy, see make_npy_fixtures.py), hostile headers.</summary>
public sealed class NpyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cac-npy-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static string FixtureDir => Path.Combine(AppContext.BaseDirectory, "Fixtures", "npy");

    private string PathOf(string name) => Path.Combine(_dir, name);

    /// <summary>A .npy file built byte by byte: magic, version, header length (the true one unless given), header text, data.</summary>
    internal static byte[] Craft(string header, byte[] data, int major = 1, int minor = 0, long? declaredLength = null)
    {
        var text = Encoding.UTF8.GetBytes(header);
        int lengthBytes = major == 1 ? 2 : 4;
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, (byte)minor };
        var length = new byte[lengthBytes];
        if (lengthBytes == 2) BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)(declaredLength ?? text.Length));
        else BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)(declaredLength ?? text.Length));
        bytes.AddRange(length);
        bytes.AddRange(text);
        bytes.AddRange(data);
        return [.. bytes];
    }

    private string Write(string name, byte[] bytes)
    {
        string path = PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Floats(params float[] values)
    {
        var b = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), values[i]);
        return b;
    }

    [Fact]
    public void Round_trip_keeps_dtype_shape_and_values_for_every_rank()
    {
        var cases = new (string Name, Tensor T)[]
        {
            ("f32", Tensor.FromArray([1.5f, -2f, 3.25f, 0f, 1e-30f, float.MaxValue], [2, 3])),
            ("f64", Tensor.FromArray([Math.PI, -1e300, 0.1], [3])),
            ("i32", Tensor.FromArray([1, -7, int.MaxValue, int.MinValue], [2, 1, 2])),
            ("scalar", Tensor.Scalar(4.5, DType.Float64)),
            ("empty", Tensor.Zeros([0, 4])),
            ("rank6", Tensor.RandN([1, 2, 1, 2, 1, 3], new Generator(3))),
        };
        foreach (var (name, t) in cases)
        {
            string path = PathOf(name + ".npy");
            Npy.Save(path, t);
            var back = Npy.Load(path);
            back.DType.Should().Be(t.DType, name);
            back.Shape.Should().Equal(t.Shape, name);
            back.Device.Should().Be(Device.Cpu);
            switch (t.DType)
            {
                case DType.Float32: back.ToFloatArray().Should().Equal(t.ToFloatArray(), name); break;
                case DType.Float64: back.ToDoubleArray().Should().Equal(t.ToDoubleArray(), name); break;
                default: back.ToIntArray().Should().Equal(t.ToIntArray(), name); break;
            }
            (new FileInfo(path).Length - t.Numel * (t.DType == DType.Float64 ? 8 : 4) ).Should().Be(128, $"{name}: the header is padded to 64-byte alignment");
            File.Exists(path + ".tmp").Should().BeFalse();
        }
    }

    public static TheoryData<string> ValidFixtures()
    {
        var data = new TheoryData<string>();
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(FixtureDir, "manifest.json")));
        foreach (var p in doc.RootElement.GetProperty("valid").EnumerateObject()) data.Add(p.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(ValidFixtures))]
    public void Files_written_by_numpy_load_with_their_dtype_shape_and_values(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(FixtureDir, "manifest.json")));
        var expected = doc.RootElement.GetProperty("valid").GetProperty(file);
        var t = Npy.Load(Path.Combine(FixtureDir, file));

        t.Shape.Should().Equal(expected.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        var data = expected.GetProperty("data").EnumerateArray().ToList();
        switch (expected.GetProperty("dtype").GetString())
        {
            case "<f4":
                t.DType.Should().Be(DType.Float32);
                t.ToFloatArray().Should().Equal(data.Select(e => (float)double.Parse(e.GetString()!, CultureInfo.InvariantCulture)));
                break;
            case "<f8":
                t.DType.Should().Be(DType.Float64);
                t.ToDoubleArray().Should().Equal(data.Select(e => double.Parse(e.GetString()!, CultureInfo.InvariantCulture)));
                break;
            case "<i4":
                t.DType.Should().Be(DType.Int32);
                t.ToIntArray().Should().Equal(data.Select(e => e.GetInt32()));
                break;
            default:
                throw new InvalidOperationException($"manifest dtype of {file} is not one the test knows");
        }
    }

    [Theory]
    [InlineData("f4_2x3.npy")]
    [InlineData("f8_scalar.npy")]
    [InlineData("i4_2x3x4.npy")]
    [InlineData("f8_empty_0x5.npy")]
    [InlineData("f4_rank5.npy")]
    public void Save_writes_the_same_bytes_as_numpy(string file)
    {
        string numpyFile = Path.Combine(FixtureDir, file);
        string ours = PathOf(file);
        Npy.Save(ours, Npy.Load(numpyFile));
        File.ReadAllBytes(ours).Should().Equal(File.ReadAllBytes(numpyFile));
    }

    public static TheoryData<string, string> RejectedFixtures()
    {
        var data = new TheoryData<string, string>();
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(FixtureDir, "manifest.json")));
        foreach (var p in doc.RootElement.GetProperty("rejected").EnumerateObject()) data.Add(p.Name, p.Value.GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(RejectedFixtures))]
    public void Numpy_files_of_unsupported_layouts_or_dtypes_are_rejected_naming_the_problem(string file, string word)
    {
        string path = Path.Combine(FixtureDir, file);
        var act = () => Npy.Load(path);
        act.Should().Throw<InvalidDataException>().Which.Message.Should().Contain(path).And.Contain(word);
    }

    private const string GoodHeader = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";

    [Theory]
    [InlineData("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2,)}")]
    [InlineData("{'shape': (2L,), 'fortran_order': False, 'descr': '<f4'}   \n")]
    [InlineData("  {'descr':'<f4','fortran_order':False,'shape':(2,),}\n")]
    public void Header_variants_python_accepts_load(string header)
    {
        var t = Npy.Load(Write("v.npy", Craft(header, Floats(1f, 2f))));
        t.Shape.Should().Equal(2);
        t.ToFloatArray().Should().Equal(1f, 2f);
    }

    [Fact]
    public void Versions_two_and_three_read_a_four_byte_header_length()
    {
        Npy.Load(Write("v2.npy", Craft(GoodHeader, Floats(1f, 2f), major: 2))).ToFloatArray().Should().Equal(1f, 2f);
        Npy.Load(Write("v3.npy", Craft(GoodHeader, Floats(3f, 4f), major: 3))).ToFloatArray().Should().Equal(3f, 4f);
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False}", "'shape' is missing")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'shape': (2,)}", "appears twice")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", "unexpected key 'extra'")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2)}", "not a tuple")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': [2]}", "not a tuple")]
    [InlineData("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", "True or False")]
    [InlineData("{'descr': '<f4', 'fortran_order': Falsey, 'shape': (2,)}", "True or False")]
    [InlineData("{'descr': <f4, 'fortran_order': False, 'shape': (2,)}", "not a quoted string")]
    [InlineData("{'descr': '<f4, 'fortran_order': False, 'shape': (2,)}", "malformed header")]
    [InlineData("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,)}", "structured dtype")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x", "after the dict")]
    [InlineData("{'descr': '<f4' 'fortran_order': False, 'shape': (2,)}", "expected ','")]
    [InlineData("['descr', '<f4']", "not a Python dict")]
    [InlineData("", "not a Python dict")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", "negative extent -2")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999,)}", "does not fit in a 32-bit integer")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2.0,)}", "expected ',' or ')'")]
    [InlineData("{'descr': '<f4', 'fortran_order': True, 'shape': (2,)}", "fortran_order is True")]
    [InlineData("{'descr': '<u4', 'fortran_order': False, 'shape': (2,)}", "unsupported dtype '<u4'")]
    [InlineData("{'descr': '>f4', 'fortran_order': False, 'shape': (2,)}", "big-endian")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", "needs 12 data bytes, but the file holds 8 (truncated)")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", "needs 4 data bytes, but the file holds 8 (trailing bytes)")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': ()}", "needs 4 data bytes")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (65536, 65536, 65536, 65536)}", "needs 147573952589676412928 data bytes")]
    public void Hostile_or_malformed_headers_are_rejected_naming_the_file_and_problem(string header, string problem)
    {
        string path = Write("bad.npy", Craft(header, Floats(1f, 2f)));
        var act = () => Npy.Load(path);
        act.Should().Throw<InvalidDataException>().Which.Message.Should().StartWith($"npy file '{path}': ").And.Contain(problem);
    }

    [Fact]
    public void Bad_magic_versions_and_header_lengths_are_rejected()
    {
        void Rejects(string name, byte[] bytes, string problem)
        {
            string path = Write(name, bytes);
            var act = () => Npy.Load(path);
            act.Should().Throw<InvalidDataException>(name).Which.Message.Should().Contain(path).And.Contain(problem);
        }
        var good = Craft(GoodHeader, Floats(1f, 2f));
        Rejects("magic.npy", [.. good.Take(1), (byte)'X', .. good.Skip(2)], "bad magic");
        Rejects("v4.npy", Craft(GoodHeader, Floats(1f, 2f), major: 4), "unsupported format version 4.0");
        Rejects("v11.npy", Craft(GoodHeader, Floats(1f, 2f), minor: 1), "unsupported format version 1.1");
        Rejects("v0.npy", Craft(GoodHeader, Floats(1f, 2f), major: 0), "unsupported format version 0.0");
        Rejects("long.npy", Craft(GoodHeader, Floats(1f, 2f), declaredLength: 60000), "header length 60000 exceeds");
        Rejects("huge.npy", Craft(GoodHeader, Floats(1f, 2f), major: 2, declaredLength: uint.MaxValue), $"header length {uint.MaxValue} exceeds");
        Rejects("short.npy", good[..9], "too short");
        Rejects("v2short.npy", Craft(GoodHeader, [], major: 2)[..10], "too short");
        Rejects("empty.npy", [], "too short");
        Rejects("utf8.npy", Craft(GoodHeader, Floats(1f, 2f), major: 3)
            .Select((b, i) => i == 12 ? (byte)0xFF : b).ToArray(), "not valid UTF-8");
    }

    [Fact]
    public void A_missing_file_is_a_file_not_found_error()
    {
        var act = () => Npy.Load(PathOf("nope.npy"));
        act.Should().Throw<FileNotFoundException>();
    }
}

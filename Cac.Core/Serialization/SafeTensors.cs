using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Cac.Serialization;

/// <summary>
/// Reads and writes the safetensors format (the format of Hugging Face's safetensors library, loadable by
/// PyTorch): an 8-byte little-endian header length, a UTF-8 JSON header
/// <c>{name: {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}</c>
/// (offsets relative to the data section), then the raw little-endian data with no gaps.
/// <para>Saving: Float32 as F32, Float64 as F64, Int32 as I32, except Int32 tensors whose name ends in
/// "num_batches_tracked", written as I64 so that the file matches a PyTorch state dict exactly. Writes are
/// atomic: a temporary file, flushed to disk, then renamed over the target.</para>
/// <para>Loading: F32, F64, I32; I64 becomes Int32 when every value fits (else an error); F16 and BF16
/// become Float32. Every header field is validated against the file before anything is allocated, and
/// problems throw <see cref="InvalidDataException"/> naming the file.</para>
/// </summary>
public static class SafeTensors
{
    private const string MetadataKey = "__metadata__";
    private const long MaxHeaderBytes = 100L << 20;

    /// <summary>Writes <paramref name="tensors"/> (in their order) and optional string metadata to <paramref name="path"/>, atomically.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors I/O needs a little-endian machine");
        var entries = new List<(string Name, string DType, int[] Shape, byte[] Data)>();
        foreach (var (name, tensor) in tensors)
        {
            if (string.IsNullOrEmpty(name) || name == MetadataKey)
                throw new ArgumentException($"safetensors: invalid tensor name '{name}'");
            entries.Add(Encode(name, tensor));
        }

        var header = BuildHeader(entries, metadata);
        string tmp = path + ".tmp";
        try
        {
            using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                foreach (var e in entries) stream.Write(e.Data);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    private static (string, string, int[], byte[]) Encode(string name, Tensor t)
    {
        switch (t.DType)
        {
            case DType.Float32: return (name, "F32", t.Shape, MemoryMarshal.AsBytes(t.ToFloatArray().AsSpan()).ToArray());
            case DType.Float64: return (name, "F64", t.Shape, MemoryMarshal.AsBytes(t.ToDoubleArray().AsSpan()).ToArray());
            default:
                var ints = t.ToIntArray();
                if (!name.EndsWith("num_batches_tracked", StringComparison.Ordinal))
                    return (name, "I32", t.Shape, MemoryMarshal.AsBytes(ints.AsSpan()).ToArray());
                var longs = Array.ConvertAll(ints, v => (long)v);
                return (name, "I64", t.Shape, MemoryMarshal.AsBytes(longs.AsSpan()).ToArray());
        }
    }

    // The JSON header, padded with spaces to a multiple of 8 bytes (as the reference writer does).
    private static byte[] BuildHeader(List<(string Name, string DType, int[] Shape, byte[] Data)> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(MetadataKey);
                foreach (var (k, v) in metadata) w.WriteString(k, v);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, dtype, shape, data) in entries)
            {
                w.WriteStartObject(name);
                w.WriteString("dtype", dtype);
                w.WriteStartArray("shape");
                foreach (var d in shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + data.Length);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += data.Length;
            }
            w.WriteEndObject();
        }
        int padded = (int)((buffer.Length + 7) / 8 * 8);
        while (buffer.Length < padded) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    /// <summary>Loads every tensor of a safetensors file onto the CPU, in file order.</summary>
    public static IReadOnlyDictionary<string, Tensor> Load(string path) => Load(path, out _);

    /// <summary>Loads every tensor of a safetensors file onto the CPU, in file order, and its string metadata.</summary>
    public static IReadOnlyDictionary<string, Tensor> Load(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors I/O needs a little-endian machine");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long fileLength = stream.Length;
        if (fileLength < 8) throw Bad(path, $"the file is {fileLength} bytes, shorter than the 8-byte header length");
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)(fileLength - 8))
            throw Bad(path, $"the header length {headerLength} exceeds the {fileLength - 8} bytes that follow it");
        if (headerLength > MaxHeaderBytes) throw Bad(path, $"the header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        long dataLength = fileLength - 8 - (long)headerLength;

        var (entries, meta) = ParseHeader(path, headerBytes, dataLength);
        metadata = meta;
        var result = new OrderedDictionary<string, Tensor>();
        long dataStart = 8 + (long)headerLength;
        foreach (var e in entries.OrderBy(e => e.Begin))
        {
            stream.Position = dataStart + e.Begin;
            var bytes = new byte[e.End - e.Begin];
            stream.ReadExactly(bytes);
            result[e.Name] = Decode(path, e, bytes);
        }
        return result;
    }

    private sealed record Entry(string Name, string DType, int[] Shape, long Begin, long End);

    private static readonly Dictionary<string, int> ElementSizes = new()
    {
        ["F32"] = 4, ["F64"] = 8, ["I32"] = 4, ["I64"] = 8, ["F16"] = 2, ["BF16"] = 2,
    };

    private static (List<Entry>, Dictionary<string, string>) ParseHeader(string path, byte[] headerBytes, long dataLength)
    {
        if (!System.Text.Unicode.Utf8.IsValid(headerBytes)) throw Bad(path, "the header is not valid UTF-8");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(headerBytes);
        }
        catch (JsonException ex)
        {
            throw Bad(path, $"the header is not valid JSON ({ex.Message})");
        }
        using (doc)
        {
            try
            {
                return ParseEntries(path, doc, dataLength);
            }
            catch (InvalidOperationException ex)
            {
                // JsonElement.GetString on an escape that is no Unicode text (a lone surrogate such as \ud800).
                throw Bad(path, $"the header holds a string that is not valid Unicode ({ex.Message})");
            }
        }
    }

    private static (List<Entry>, Dictionary<string, string>) ParseEntries(string path, JsonDocument doc, long dataLength)
    {
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad(path, "the header is not a JSON object");
        var entries = new List<Entry>();
        var metadata = new Dictionary<string, string>();
        var names = new HashSet<string>();
        foreach (var prop in doc.RootElement.EnumerateObject())
        {
            if (!names.Add(prop.Name)) throw Bad(path, $"the header names '{prop.Name}' twice");
            if (prop.Name == MetadataKey)
            {
                if (prop.Value.ValueKind != JsonValueKind.Object) throw Bad(path, "__metadata__ is not an object");
                foreach (var m in prop.Value.EnumerateObject())
                {
                    if (m.Value.ValueKind != JsonValueKind.String) throw Bad(path, $"metadata value '{m.Name}' is not a string");
                    metadata[m.Name] = m.Value.GetString()!;
                }
                continue;
            }
            entries.Add(ParseEntry(path, prop.Name, prop.Value, dataLength));
        }
        CheckCoverage(path, entries, dataLength);
        return (entries, metadata);
    }

    private static Entry ParseEntry(string path, string name, JsonElement e, long dataLength)
    {
        if (e.ValueKind != JsonValueKind.Object) throw Bad(path, $"tensor '{name}': entry is not an object");
        if (!e.TryGetProperty("dtype", out var dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String)
            throw Bad(path, $"tensor '{name}': missing or non-string dtype");
        string dtype = dtypeEl.GetString()!;
        if (!ElementSizes.TryGetValue(dtype, out int elementSize)) throw Bad(path, $"tensor '{name}': unsupported dtype '{dtype}'");
        if (!e.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array)
            throw Bad(path, $"tensor '{name}': missing or non-array shape");
        var shape = new List<int>();
        long numel = 1;
        foreach (var d in shapeEl.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int extent) || extent < 0)
                throw Bad(path, $"tensor '{name}': shape entry {d.GetRawText()} is not a non-negative 32-bit integer");
            shape.Add(extent);
            // Saturate the product (exact below 2^62): anything that large is rejected below anyway.
            numel = (long)Int128.Min((Int128)numel * extent, (Int128)1 << 62);
        }
        if (!e.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
            throw Bad(path, $"tensor '{name}': data_offsets must be an array of two integers");
        if (offEl[0].ValueKind != JsonValueKind.Number || offEl[1].ValueKind != JsonValueKind.Number
            || !offEl[0].TryGetInt64(out long begin) || !offEl[1].TryGetInt64(out long end))
            throw Bad(path, $"tensor '{name}': data_offsets {offEl.GetRawText()} are not integers");
        if (begin < 0 || end < begin || end > dataLength)
            throw Bad(path, $"tensor '{name}': data_offsets [{begin}, {end}] lie outside the {dataLength}-byte data section");
        Int128 bytes = (Int128)numel * elementSize;
        if (bytes != end - begin)
            throw Bad(path, $"tensor '{name}': {dtype} of shape {Shape.Format(shape.ToArray())} needs {bytes} bytes, but data_offsets [{begin}, {end}] span {end - begin}");
        if (numel > Array.MaxLength) throw Bad(path, $"tensor '{name}' has {numel} elements, more than an array can hold");
        return new Entry(name, dtype, shape.ToArray(), begin, end);
    }

    // Tensors must tile the data section exactly: no overlaps, no holes, nothing left over.
    private static void CheckCoverage(string path, List<Entry> entries, long dataLength)
    {
        long expected = 0;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin < expected) throw Bad(path, $"tensor '{e.Name}': data_offsets [{e.Begin}, {e.End}] overlap the previous tensor (which ends at {expected})");
            if (e.Begin > expected) throw Bad(path, $"tensor '{e.Name}': a gap of {e.Begin - expected} bytes precedes it in the data section");
            expected = e.End;
        }
        if (expected != dataLength) throw Bad(path, $"the tensors cover {expected} bytes of the {dataLength}-byte data section");
    }

    private static Tensor Decode(string path, Entry e, byte[] bytes)
    {
        switch (e.DType)
        {
            case "F32": return Tensor.FromArray(MemoryMarshal.Cast<byte, float>(bytes).ToArray(), e.Shape);
            case "F64": return Tensor.FromArray(MemoryMarshal.Cast<byte, double>(bytes).ToArray(), e.Shape);
            case "I32": return Tensor.FromArray(MemoryMarshal.Cast<byte, int>(bytes).ToArray(), e.Shape);
            case "I64":
                var longs = MemoryMarshal.Cast<byte, long>(bytes);
                var ints = new int[longs.Length];
                for (int i = 0; i < longs.Length; i++)
                {
                    if (longs[i] is < int.MinValue or > int.MaxValue)
                        throw Bad(path, $"tensor '{e.Name}': I64 value {longs[i]} at index {i} does not fit in Int32");
                    ints[i] = (int)longs[i];
                }
                return Tensor.FromArray(ints, e.Shape);
            case "F16":
                var halves = MemoryMarshal.Cast<byte, Half>(bytes);
                var f16 = new float[halves.Length];
                for (int i = 0; i < f16.Length; i++) f16[i] = (float)halves[i];
                return Tensor.FromArray(f16, e.Shape);
            default: // BF16: the upper half of a float32.
                var raw = MemoryMarshal.Cast<byte, ushort>(bytes);
                var bf = new float[raw.Length];
                for (int i = 0; i < bf.Length; i++) bf[i] = BitConverter.Int32BitsToSingle(raw[i] << 16);
                return Tensor.FromArray(bf, e.Shape);
        }
    }

    private static InvalidDataException Bad(string path, string problem) => new($"safetensors file '{path}': {problem}");
}

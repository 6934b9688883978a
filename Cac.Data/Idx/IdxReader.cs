using System.Buffers.Binary;
using System.IO.Compression;

namespace Cac.Data;

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format), raw or gzipped (recognised by the gzip magic
/// bytes 1f 8b, not by the file name).
/// <para>
/// Layout: a big-endian magic 00 00 TT DD (TT the element type, 0x08 = unsigned byte; DD the number
/// of dimensions), DD big-endian int32 extents, then the elements row-major. Images: magic 0x00000803,
/// (n, rows, cols). Labels: magic 0x00000801, (n).
/// </para>
/// Rules: every header field is checked before anything is allocated from it, and the data size is
/// checked against the file (raw) or read in a bounded way (gzip: at most the declared size plus one
/// byte, so a lying header or a decompression bomb cannot exhaust memory). Every format problem throws
/// <see cref="InvalidDataException"/> naming the file; missing files throw the usual IO exceptions.
/// </summary>
public static class IdxReader
{
    /// <summary>Magic of an unsigned-byte image file with 3 dimensions (n, rows, cols).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic of an unsigned-byte label file with 1 dimension (n).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>The largest element count accepted (the largest .NET array).</summary>
    public static readonly long MaxElements = Array.MaxLength;

    private const byte UnsignedByteType = 0x08;

    /// <summary>Reads an image file (magic 0x00000803).</summary>
    public static IdxImages ReadImages(string path)
    {
        var (dims, data) = Read(path, ImagesMagic);
        return new IdxImages(dims[0], dims[1], dims[2], data);
    }

    /// <summary>Reads a label file (magic 0x00000801): one byte per sample.</summary>
    public static byte[] ReadLabels(string path) => Read(path, LabelsMagic).Data;

    private static (int[] Dims, byte[] Data) Read(string path, int expectedMagic)
    {
        int rank = expectedMagic & 0xFF;
        string kind = rank == 3 ? "IDX image file" : "IDX label file";
        string payload = rank == 3 ? "pixel data" : "label data";

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        bool gzipped = IsGzip(file);
        using Stream source = gzipped ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: true) : file;
        string has = gzipped ? "the decompressed file has" : "file has";

        try
        {
            // Header: 4-byte magic + 4 bytes per dimension.
            int headerLength = 4 + 4 * rank;
            var header = new byte[headerLength];
            int got = ReadUpTo(source, header);
            if (got < 4)
                throw DataFormat.Error(path, $"truncated header: expected a 4-byte magic number, {has} {got} bytes");

            int magic = BinaryPrimitives.ReadInt32BigEndian(header);
            if (header[0] != 0 || header[1] != 0)
                throw DataFormat.Error(path, $"wrong magic number 0x{magic:X8}, expected 0x{expectedMagic:X8} ({kind}); not an IDX file");
            if (header[2] != UnsignedByteType)
                throw DataFormat.Error(path, $"unsupported IDX data type byte 0x{header[2]:X2} ({TypeName(header[2])}) in magic 0x{magic:X8}, expected 0x{expectedMagic:X8}; only 0x08 (unsigned byte) is supported");
            if (header[3] != rank)
                throw DataFormat.Error(path, $"wrong magic number 0x{magic:X8}, expected 0x{expectedMagic:X8}: wrong number of dimensions {header[3]}, an {kind} has {rank}");
            if (got < headerLength)
                throw DataFormat.Error(path, $"truncated header: expected {headerLength} header bytes for {rank} dimensions, {has} {got}");

            var dims = new int[rank];
            long expected = 1;
            for (int i = 0; i < rank; i++)
            {
                dims[i] = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 + 4 * i));
                if (dims[i] <= 0)
                    throw DataFormat.Error(path, $"dimension {i} ({DimName(rank, i)}) is {dims[i]}; every dimension must be positive");
                expected *= dims[i]; // at most (2^31)^3 < 2^93: check after each step to stay in range
                if (expected > MaxElements)
                    throw DataFormat.Error(path, $"dimensions {Shape.Format(dims.AsSpan(0, i + 1))} are too large: more than {MaxElements} bytes of {payload}");
            }

            byte[] data = gzipped
                ? ReadBounded(source, (int)expected, path, payload, has)
                : ReadRaw(file, headerLength, (int)expected, path, payload);
            return (dims, data);
        }
        catch (InvalidDataException e) when (DataFormat.PathOf(e) is null)
        {
            throw DataFormat.Error(path, $"corrupt gzip stream: {e.Message}", e);
        }
    }

    private static bool IsGzip(FileStream file)
    {
        Span<byte> magic = stackalloc byte[2];
        int got = ReadUpTo(file, magic);
        file.Position = 0;
        return got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }

    // Raw files: the length is known up front, so compare before allocating.
    private static byte[] ReadRaw(FileStream file, int headerLength, int expected, string path, string payload)
    {
        long available = file.Length - headerLength;
        if (available < expected)
            throw DataFormat.Error(path, $"truncated: expected {expected} bytes of {payload}, file has {available}");
        if (available > expected)
            throw DataFormat.Error(path, $"trailing garbage: {available - expected} bytes after the {expected} bytes of {payload} the header declares");
        var data = new byte[expected];
        file.Position = headerLength;
        int got = ReadUpTo(file, data);
        if (got != expected)
            throw DataFormat.Error(path, $"truncated: expected {expected} bytes of {payload}, could read {got}");
        return data;
    }

    // Gzip: the decompressed length is unknown until read. Grow the buffer only as data arrives
    // (never beyond the declared size), then probe one more byte to detect trailing data.
    private static byte[] ReadBounded(Stream source, int expected, string path, string payload, string has)
    {
        var buffer = new byte[Math.Min(expected, 1 << 16)];
        int length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length == expected) break;
                Array.Resize(ref buffer, (int)Math.Min(expected, 2L * length));
            }
            int n = source.Read(buffer, length, buffer.Length - length);
            if (n == 0) break;
            length += n;
        }
        if (length < expected)
            throw DataFormat.Error(path, $"truncated: expected {expected} bytes of {payload}, {has} {length}");
        Span<byte> probe = stackalloc byte[1];
        if (source.Read(probe) != 0)
            throw DataFormat.Error(path, $"trailing garbage: the data continues past the {expected} bytes of {payload} the header declares");
        return buffer;
    }

    private static int ReadUpTo(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    private static string DimName(int rank, int i) => rank == 3 ? (i switch { 0 => "count", 1 => "rows", _ => "columns" }) : "count";

    private static string TypeName(byte type) => type switch
    {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "int16",
        0x0C => "int32",
        0x0D => "float32",
        0x0E => "float64",
        _ => "not an IDX type",
    };
}

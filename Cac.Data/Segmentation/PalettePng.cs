using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Cac.Data;

/// <summary>
/// Writes 8-bit palette ("indexed colour", PNG colour type 3) images, the format of VOC's SegmentationClass masks: one
/// byte per pixel indexing a PLTE of RGB triples. Minimal and uncompressed-filter (filter 0 per row, zlib deflate).
/// </summary>
public static class PalettePng
{
    /// <summary>
    /// Writes <paramref name="indices"/> (H * W palette indices, row-major) as a PNG of <paramref name="width"/> x
    /// <paramref name="height"/> with <paramref name="palette"/> (RGB triples, at most 256) to <paramref name="path"/>.
    /// </summary>
    public static void Write(string path, ReadOnlySpan<byte> indices, int width, int height, IReadOnlyList<byte> palette)
    {
        if (width < 1 || height < 1 || indices.Length != width * height)
            throw new ArgumentException($"PalettePng: {indices.Length} indices for a {width} x {height} image");
        if (palette.Count % 3 != 0 || palette.Count == 0 || palette.Count > 768)
            throw new ArgumentException($"PalettePng: the palette must hold 1 to 256 RGB triples, got {palette.Count} bytes");
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        file.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;  // bit depth
        header[9] = 3;  // colour type: palette
        Chunk(file, "IHDR", header);
        Chunk(file, "PLTE", palette.ToArray());
        var rows = new MemoryStream();
        using (var zlib = new ZLibStream(rows, CompressionLevel.Optimal, leaveOpen: true))
            for (int y = 0; y < height; y++)
            {
                zlib.WriteByte(0); // filter: none
                zlib.Write(indices.Slice(y * width, width));
            }
        Chunk(file, "IDAT", rows.ToArray());
        Chunk(file, "IEND", []);
    }

    // length, type, data, CRC-32 of type and data.
    private static void Chunk(Stream output, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        output.Write(typeBytes);
        output.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typeBytes, data));
        output.Write(word);
    }

    private static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    private static uint Crc32(byte[] a, byte[] b)
    {
        uint c = 0xFFFFFFFFu;
        foreach (var part in new[] { a, b })
            foreach (byte v in part) c = CrcTable[(c ^ v) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}

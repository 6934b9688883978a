using System.Buffers.Binary;
using System.IO.Compression;

namespace Cac.Tests.Data;

/// <summary>Builds IDX files byte by byte for the tests (independently of the reader).</summary>
internal static class IdxFiles
{
    /// <summary>Big-endian magic then big-endian int32 dimensions.</summary>
    public static byte[] Header(int magic, params int[] dims)
    {
        var h = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteInt32BigEndian(h, magic);
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(4 + 4 * i), dims[i]);
        return h;
    }

    /// <summary>Pixel (i, y, x) of the test images: distinct-ish values covering 0..255.</summary>
    public static byte Pixel(int i, int y, int x) => (byte)((i * 37 + y * 11 + x * 5 + 3) % 256);

    /// <summary>Pixels (n, rows, cols) from <see cref="Pixel"/>.</summary>
    public static byte[] Pixels(int n, int rows, int cols)
    {
        var p = new byte[n * rows * cols];
        for (int i = 0; i < n; i++)
            for (int y = 0; y < rows; y++)
                for (int x = 0; x < cols; x++)
                    p[(i * rows + y) * cols + x] = Pixel(i, y, x);
        return p;
    }

    /// <summary>A complete raw image file.</summary>
    public static byte[] Images(int n, int rows, int cols) => [.. Header(0x00000803, n, rows, cols), .. Pixels(n, rows, cols)];

    /// <summary>A complete raw label file.</summary>
    public static byte[] Labels(params byte[] labels) => [.. Header(0x00000801, labels.Length), .. labels];

    /// <summary>
    /// Writes one raw 28 x 28 split in the Fashion-MNIST file names, "{split}-images-idx3-ubyte" and
    /// "{split}-labels-idx1-ubyte" (split "train" or "t10k"), under <paramref name="folder"/> of <paramref name="dir"/>:
    /// one image per label.
    /// </summary>
    public static void WriteSplit(TempDir dir, string split, byte[] labels, string folder = "")
    {
        string prefix = folder.Length == 0 ? "" : folder + "/";
        dir.Write($"{prefix}{split}-images-idx3-ubyte", Images(labels.Length, 28, 28));
        dir.Write($"{prefix}{split}-labels-idx1-ubyte", Labels(labels));
    }

    /// <summary>Gzip-compresses bytes.</summary>
    public static byte[] Gzip(byte[] raw)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(raw);
        return ms.ToArray();
    }
}

/// <summary>A temporary directory removed on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cac-data-" + Guid.NewGuid().ToString("N"));

    /// <summary>Writes a file (creating subdirectories) and returns its full path.</summary>
    public string Write(string relative, byte[] bytes)
    {
        string full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
        return full;
    }

    /// <summary>Writes raw or gzipped bytes under a name (".gz" appended when gzipped).</summary>
    public string Write(string name, byte[] raw, bool gzip) => gzip ? Write(name + ".gz", IdxFiles.Gzip(raw)) : Write(name, raw);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { /* best effort */ }
    }
}

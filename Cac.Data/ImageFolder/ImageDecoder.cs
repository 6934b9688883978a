using StbImageSharp;

namespace Cac.Data;

/// <summary>
/// Decodes PNG and JPEG files (with StbImageSharp) into float images (C, H, W) in [0, 1] (byte / 255).
/// <para>
/// The format is recognised by its signature (PNG: 89 50 4E 47 0D 0A 1A 0A; JPEG: FF D8 FF), not by the file name;
/// anything else is rejected before the decoder sees it. The header is read first and images larger than
/// <see cref="MaxPixels"/> are rejected before any pixel memory is allocated. Channel conversion: grey to RGB copies
/// the grey value into every channel; RGB to grey uses stb's weights (77 R + 150 G + 29 B) / 256; an alpha channel
/// is dropped (not composited). 16-bit PNGs are reduced to 8 bits. A JPEG must end with its end-of-image marker
/// (FF D9, trailing zero bytes allowed): stb would decode a truncated file's missing rows as grey without complaint,
/// where PIL (torchvision's reader) fails.
/// </para>
/// Every problem with a file's contents throws <see cref="InvalidDataException"/> naming the file
/// (<see cref="DataFormat.Error"/>); a missing file throws the usual IO exception.
/// </summary>
public static class ImageDecoder
{
    /// <summary>The largest image accepted, in pixels (width * height): 8192 x 8192.</summary>
    public const long MaxPixels = 8192L * 8192;

    /// <summary>The largest file accepted, in bytes (256 MiB).</summary>
    public const long MaxFileBytes = 256L << 20;

    /// <summary>Width, height and stored channel count of an image file, from its header only.</summary>
    /// <param name="Width">Width in pixels.</param>
    /// <param name="Height">Height in pixels.</param>
    /// <param name="Channels">Channels stored in the file (1 grey, 2 grey + alpha, 3 RGB, 4 RGBA).</param>
    public readonly record struct Header(int Width, int Height, int Channels);

    /// <summary>Reads the header of <paramref name="path"/> (PNG or JPEG) without decoding the pixels.</summary>
    public static Header ReadHeader(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 12);
        Span<byte> start = stackalloc byte[8];
        int got = file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        file.Position = 0;
        return ReadHeader(path, start[..got].ToArray(), file);
    }

    /// <summary>
    /// Decodes <paramref name="path"/> to <paramref name="channels"/> channels (1 or 3): the pixels (C, H, W) in [0, 1]
    /// and their shape.
    /// </summary>
    public static (float[] Pixels, ImageShape Shape) Decode(string path, int channels)
    {
        if (channels is not (1 or 3))
            throw new ArgumentException($"ImageDecoder: channel count {channels} must be 1 (grey) or 3 (RGB)");
        byte[] bytes = ReadFile(path);
        Header header;
        using (var stream = new MemoryStream(bytes, writable: false)) header = ReadHeader(path, bytes, stream);
        if (FormatName(bytes) == "JPEG" && !EndsWithEndOfImage(bytes))
            throw DataFormat.Error(path, "truncated JPEG image: the file does not end with the end-of-image marker FF D9");
        ImageResult image;
        try
        {
            using var stream = new ClampedStream(new MemoryStream(bytes, writable: false));
            image = ImageResult.FromStream(stream, channels == 1 ? ColorComponents.Grey : ColorComponents.RedGreenBlue);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw DataFormat.Error(path, $"corrupt {FormatName(bytes)} image: {e.Message}", e);
        }
        if (image is null || image.Data is null)
            throw DataFormat.Error(path, $"corrupt {FormatName(bytes)} image: the decoder returned nothing");
        int w = image.Width, h = image.Height;
        if (w != header.Width || h != header.Height)
            throw DataFormat.Error(path, $"corrupt {FormatName(bytes)} image: the header says {header.Width} x {header.Height}, the decoder produced {w} x {h}");
        if (image.Data.Length != (long)w * h * channels)
            throw DataFormat.Error(path, $"corrupt {FormatName(bytes)} image: {image.Data.Length} decoded bytes for {w} x {h} x {channels}");

        // Interleaved (H, W, C) bytes -> planar (C, H, W) floats.
        var pixels = new float[channels * h * w];
        int plane = h * w;
        var data = image.Data;
        for (int i = 0; i < plane; i++)
            for (int c = 0; c < channels; c++)
                pixels[c * plane + i] = data[i * channels + c] / 255f;
        return (pixels, new ImageShape(channels, h, w));
    }

    private static byte[] ReadFile(string path)
    {
        long length = new FileInfo(path).Length;
        if (length > MaxFileBytes)
            throw DataFormat.Error(path, $"file is {length} bytes, more than the {MaxFileBytes} accepted for one image");
        return File.ReadAllBytes(path);
    }

    // bytes: at least the file's first 8 bytes (all of them when shorter); stream: the whole file, at position 0.
    private static Header ReadHeader(string path, byte[] bytes, Stream stream)
    {
        if (FormatName(bytes) is not { } format)
        {
            string start = Convert.ToHexString(bytes, 0, Math.Min(8, bytes.Length));
            throw DataFormat.Error(path, bytes.Length == 0
                ? "empty file; expected a PNG or JPEG image"
                : $"not a PNG or JPEG image (the file starts with bytes {start})");
        }
        ImageInfo? info;
        try
        {
            info = ImageInfo.FromStream(new ClampedStream(stream));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw DataFormat.Error(path, $"corrupt {format} header: {e.Message}", e);
        }
        if (info is not { } i)
            // stb keeps its failure reason in a static field: with concurrent decodes it may describe another file.
            throw DataFormat.Error(path, $"corrupt {format} header: the decoder cannot read the image size (stb: {StbImage.stbi__g_failure_reason ?? "no reason given"})");
        if (i.Width <= 0 || i.Height <= 0)
            throw DataFormat.Error(path, $"corrupt {format} header: image size {i.Width} x {i.Height}");
        if ((long)i.Width * i.Height > MaxPixels)
            throw DataFormat.Error(path, $"{format} image of {i.Width} x {i.Height} pixels is larger than the {MaxPixels} pixels accepted");
        return new Header(i.Width, i.Height, (int)i.ColorComponents);
    }

    // Whether the bytes, less trailing zeros, end in the JPEG end-of-image marker.
    private static bool EndsWithEndOfImage(byte[] bytes)
    {
        int end = bytes.Length;
        while (end > 0 && bytes[end - 1] == 0) end--;
        return end >= 2 && bytes[end - 2] == 0xFF && bytes[end - 1] == 0xD9;
    }

    // "PNG", "JPEG", or null for anything else.
    private static string? FormatName(byte[] b)
    {
        if (b.Length >= 8 && b[0] == 0x89 && b[1] == 0x50 && b[2] == 0x4E && b[3] == 0x47 && b[4] == 0x0D && b[5] == 0x0A && b[6] == 0x1A && b[7] == 0x0A)
            return "PNG";
        if (b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return "JPEG";
        return null;
    }
}

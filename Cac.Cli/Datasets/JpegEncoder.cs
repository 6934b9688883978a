using System.Runtime.InteropServices;
using Cac.Data;
using SkiaSharp;

namespace Cac.Cli.Datasets;

/// <summary>
/// Encodes a float image (C, H, W) in [0, 1] as an RGB JPEG with Skia (libjpeg-turbo): values rounded to bytes and
/// clamped, a grey image replicated to the three channels. Deterministic: the same pixels give the same bytes.
/// </summary>
internal static class JpegEncoder
{
    /// <summary>The JPEG quality used.</summary>
    public const int Quality = 95;

    /// <summary>The JPEG file of <paramref name="pixels"/>, shape <paramref name="shape"/> (1 or 3 channels).</summary>
    public static byte[] Encode(ReadOnlySpan<float> pixels, ImageShape shape)
    {
        if (shape.Channels is not (1 or 3)) throw new ArgumentException($"JpegEncoder: {shape.Channels} channels; 1 (grey) or 3 (RGB) are encoded");
        if (pixels.Length != shape.Length) throw new ArgumentException($"JpegEncoder: {pixels.Length} values for an image of shape {shape}");
        int plane = shape.Height * shape.Width;
        var rgba = new byte[plane * 4]; // (H, W, RGBA)
        for (int p = 0; p < plane; p++)
        {
            for (int c = 0; c < 3; c++)
                rgba[p * 4 + c] = (byte)Math.Clamp(MathF.Round(pixels[(shape.Channels == 1 ? 0 : c) * plane + p] * 255f), 0f, 255f);
            rgba[p * 4 + 3] = 255;
        }
        using var bitmap = new SKBitmap(new SKImageInfo(shape.Width, shape.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, Quality);
        return data.ToArray();
    }
}

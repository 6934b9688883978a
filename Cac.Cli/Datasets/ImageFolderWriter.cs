using System.Globalization;
using Cac.Data;
using SkiaSharp;

namespace Cac.Cli.Datasets;

/// <summary>
/// Writes a fixed-size dataset as one split of an image-folder tree (what <see cref="StreamingImageFolderDataset"/>
/// reads): SPLIT/&lt;class folder&gt;/&lt;index&gt;.jpg, each image resized to size x size with
/// <see cref="AntialiasedBilinear"/>, rounded to bytes and encoded as an RGB JPEG (grey images replicated to the three
/// channels) by Skia's libjpeg-turbo at quality <see cref="Quality"/>. File names are the sample's index, zero-padded
/// to one width, so the reader's ordinal file order is the dataset's order. The output depends only on the input
/// (the encoder is deterministic; files are encoded in parallel but each alone).
/// </summary>
internal static class ImageFolderWriter
{
    /// <summary>The JPEG quality.</summary>
    public const int Quality = 95;

    /// <summary>
    /// Writes the first <paramref name="count"/> samples of <paramref name="source"/> under <paramref name="splitDir"/>,
    /// sample i of label k into <paramref name="classFolders"/>[k]; every class folder is created, with or without
    /// images. Returns the number of files written.
    /// </summary>
    public static int Write(IImageDataset source, IReadOnlyList<string> classFolders, string splitDir, int size, int count)
    {
        if (classFolders.Count != source.ClassCount)
            throw new ArgumentException($"ImageFolderWriter: {classFolders.Count} class folders for {source.ClassCount} classes");
        if (size <= 0) throw new ArgumentException($"ImageFolderWriter: size {size} must be positive");
        count = Math.Min(count, source.Count);
        foreach (var folder in classFolders) Directory.CreateDirectory(Path.Combine(splitDir, folder));
        string digits = "D" + Math.Max(1, (count - 1).ToString(CultureInfo.InvariantCulture).Length).ToString(CultureInfo.InvariantCulture);
        Parallel.For(0, count, i =>
        {
            string name = i.ToString(digits, CultureInfo.InvariantCulture) + ".jpg";
            File.WriteAllBytes(Path.Combine(splitDir, classFolders[source.Label(i)], name), Jpeg(source, i, size));
        });
        return count;
    }

    // Sample `index` resized to (C, size, size) and encoded.
    private static byte[] Jpeg(IImageDataset source, int index, int size)
    {
        var (pixels, shape) = source.ReadImage(index);
        var resized = new float[shape.Channels * size * size];
        AntialiasedBilinear.Resize(pixels, shape, CropBox.Whole(shape), resized, size, size);
        int plane = size * size;
        using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var rgba = new byte[plane * 4];
        for (int p = 0; p < plane; p++)
        {
            for (int c = 0; c < 3; c++)
                rgba[p * 4 + c] = ToByte(resized[(shape.Channels == 1 ? 0 : c) * plane + p]);
            rgba[p * 4 + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, Quality);
        return data.ToArray();
    }

    private static byte ToByte(float v) => (byte)Math.Clamp(MathF.Round(v * 255f), 0f, 255f);
}

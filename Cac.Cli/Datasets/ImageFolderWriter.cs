using System.Globalization;
using Cac.Data;

namespace Cac.Cli.Datasets;

/// <summary>
/// Writes a fixed-size dataset as one split of an image-folder tree (what <see cref="StreamingImageFolderDataset"/>
/// reads): SPLIT/&lt;class folder&gt;/&lt;index&gt;.jpg, each image resized to size x size with
/// <see cref="AntialiasedBilinear"/> and encoded by <see cref="JpegEncoder"/>. File names are the sample's index, zero-padded
/// to one width, so the reader's ordinal file order is the dataset's order. The output depends only on the input
/// (the encoder is deterministic; files are encoded in parallel but each alone).
/// </summary>
internal static class ImageFolderWriter
{
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
        return JpegEncoder.Encode(resized, shape with { Height = size, Width = size });
    }
}

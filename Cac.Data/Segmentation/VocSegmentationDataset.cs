using StbImageSharp;

namespace Cac.Data;

/// <summary>
/// PASCAL VOC 2012's segmentation split, read from its own layout: <c>ImageSets/Segmentation/{split}.txt</c> lists image
/// ids, one a line; id X is <c>JPEGImages/X.jpg</c> with the label map <c>SegmentationClass/X.png</c>, a palette PNG whose
/// indices are the classes (0 background, 1..20 the objects, 255 the boundary band; colours as <see cref="VocPalette"/>).
/// The root may be the VOC2012 folder itself or a folder holding VOCdevkit/VOC2012 (what the official archive unpacks to).
/// Any dataset in this layout is read the same way (fashion-mnist-seg is written in it), with its own class count.
/// <para>
/// Samples are decoded when read (<see cref="Read"/>), so the dataset costs only its list until then; reads may run
/// concurrently. Problems raise <see cref="InvalidDataException"/> naming the file: a list entry without its image or
/// mask, a mask whose size differs from its image's, a colour outside the palette, or a palette index that is neither a
/// class nor 255.
/// </para>
/// </summary>
public sealed class VocSegmentationDataset
{
    /// <summary>PASCAL VOC's classes: background and 20 object classes.</summary>
    public const int VocClasses = 21;

    private readonly string[] _ids;

    /// <summary>Opens split <paramref name="split"/> ("train", "val", ...) under <paramref name="root"/> with <paramref name="classCount"/> classes.</summary>
    /// <exception cref="DirectoryNotFoundException">Neither root nor root/VOCdevkit/VOC2012 holds the layout.</exception>
    /// <exception cref="InvalidDataException">The list is missing, empty or names an id twice.</exception>
    public VocSegmentationDataset(string root, string split, int classCount = VocClasses)
    {
        if (classCount is < 2 or > 255) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "a segmentation needs 2 to 255 classes");
        Root = ResolveRoot(root);
        Split = split;
        ClassCount = classCount;
        ListPath = Path.Combine(Root, "ImageSets", "Segmentation", split + ".txt");
        if (!File.Exists(ListPath)) throw DataFormat.Error(ListPath, $"missing: no '{split}' list of the segmentation split");
        _ids = File.ReadAllLines(ListPath).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        if (_ids.Length == 0) throw DataFormat.Error(ListPath, "the list names no image");
        var repeated = _ids.GroupBy(id => id).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null) throw DataFormat.Error(ListPath, $"image id '{repeated.Key}' is listed twice");
    }

    /// <summary>The folder holding JPEGImages, SegmentationClass and ImageSets.</summary>
    public string Root { get; }

    /// <summary>The split's name.</summary>
    public string Split { get; }

    /// <summary>The split's list file.</summary>
    public string ListPath { get; }

    /// <summary>Number of classes; every label is below it or 255.</summary>
    public int ClassCount { get; }

    /// <summary>Number of images in the split.</summary>
    public int Count => _ids.Length;

    /// <summary>The image id of sample <paramref name="index"/>.</summary>
    public string Id(int index) => _ids[index];

    /// <summary>The image file of sample <paramref name="index"/>.</summary>
    public string ImagePath(int index) => Path.Combine(Root, "JPEGImages", _ids[index] + ".jpg");

    /// <summary>The label-map file of sample <paramref name="index"/>.</summary>
    public string MaskPath(int index) => Path.Combine(Root, "SegmentationClass", _ids[index] + ".png");

    /// <summary>Decodes sample <paramref name="index"/>: the RGB image and its class indices.</summary>
    public SegmentationSample Read(int index)
    {
        string imagePath = ImagePath(index), maskPath = MaskPath(index);
        foreach (var path in new[] { imagePath, maskPath })
            if (!File.Exists(path)) throw DataFormat.Error(path, $"missing (image id '{_ids[index]}' is listed in {ListPath})");
        var (image, shape) = ImageDecoder.Decode(imagePath, SegmentationSample.Channels);
        var mask = ReadMask(maskPath, ClassCount);
        if (mask.Height != shape.Height || mask.Width != shape.Width)
            throw DataFormat.Error(maskPath, $"mask is {mask.Width} x {mask.Height} but its image {imagePath} is {shape.Width} x {shape.Height}");
        return new SegmentationSample(image, mask.Indices, shape.Height, shape.Width);
    }

    /// <summary>
    /// Reads a palette label map: the decoded colours mapped back to <see cref="VocPalette"/> indices, each a class below
    /// <paramref name="classCount"/> or 255.
    /// </summary>
    public static (byte[] Indices, int Height, int Width) ReadMask(string path, int classCount)
    {
        var header = ImageDecoder.ReadHeader(path);
        ImageResult image;
        try
        {
            using var stream = File.OpenRead(path);
            image = ImageResult.FromStream(stream, ColorComponents.RedGreenBlue);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw DataFormat.Error(path, $"corrupt mask image: {e.Message}", e);
        }
        if (image?.Data is null || image.Width != header.Width || image.Height != header.Height)
            throw DataFormat.Error(path, "corrupt mask image: the decoder returned no pixels of the header's size");
        var indices = new byte[image.Width * image.Height];
        for (int p = 0; p < indices.Length; p++)
        {
            byte r = image.Data[3 * p], g = image.Data[3 * p + 1], b = image.Data[3 * p + 2];
            byte index = VocPalette.IndexOf(r, g, b)
                ?? throw DataFormat.Error(path, $"colour ({r}, {g}, {b}) at (x {p % image.Width}, y {p / image.Width}) is not in the VOC palette");
            if (index >= classCount && index != SegmentationSample.Ignore)
                throw DataFormat.Error(path, $"palette index {index} at (x {p % image.Width}, y {p / image.Width}) is out of range: classes are 0..{classCount - 1} and 255");
            indices[p] = index;
        }
        return (indices, image.Height, image.Width);
    }

    private static string ResolveRoot(string root)
    {
        foreach (var candidate in new[] { root, Path.Combine(root, "VOCdevkit", "VOC2012") })
            if (Directory.Exists(Path.Combine(candidate, "JPEGImages")) && Directory.Exists(Path.Combine(candidate, "SegmentationClass")))
                return Path.GetFullPath(candidate);
        throw new DirectoryNotFoundException($"{root}: no VOC layout (JPEGImages and SegmentationClass) here or in {Path.Combine(root, "VOCdevkit", "VOC2012")}");
    }
}

namespace Cac.Data;

/// <summary>
/// An image-folder tree (<see cref="ImageFolderScan"/>: ImageNet's DIR/train or DIR/val) read one file at a time: opening
/// lists the files and reads one header; each <see cref="IImageDataset.ReadImage"/> decodes its file at its own size
/// (RGB or grey, <see cref="ImageDecoder"/>), on whatever thread calls it (the loader's workers). Nothing is cached, so
/// memory is that of the images in flight. Images differ in size (<see cref="IImageDataset.SizesVary"/>): a loader over it
/// needs transforms that make one size (RandomResizedCrop; ResizeShorterSide + CenterCrop). A file that cannot be decoded
/// throws <see cref="InvalidDataException"/> naming it, when it is read.
/// </summary>
public sealed class StreamingImageFolderDataset : IImageDataset
{
    private readonly ImageFolderScan _scan;

    private StreamingImageFolderDataset(ImageFolderScan scan, ImageShape shape)
    {
        _scan = scan;
        ImageShape = shape;
    }

    /// <summary>
    /// Lists <paramref name="root"/> (problems in the tree follow <paramref name="policy"/>, see <see cref="ImageFolderScan"/>)
    /// and reads the first image's header for <see cref="ImageShape"/> (under <see cref="BadSamplePolicy.Skip"/>, the
    /// first readable one's; the others are judged when read). <paramref name="channels"/>: 3 (RGB) or 1 (grey).
    /// </summary>
    public static StreamingImageFolderDataset Open(string root, int channels = 3, BadSamplePolicy policy = BadSamplePolicy.Stop)
    {
        if (channels is not (1 or 3))
            throw new ArgumentException($"StreamingImageFolderDataset: channel count {channels} must be 1 (grey) or 3 (RGB)");
        var scan = ImageFolderScan.Run(root, policy);
        var first = FirstHeader(scan, policy);
        return new StreamingImageFolderDataset(scan, new ImageShape(channels, first.Height, first.Width));
    }

    private static ImageDecoder.Header FirstHeader(ImageFolderScan scan, BadSamplePolicy policy)
    {
        foreach (var sample in scan.Samples)
        {
            try
            {
                return ImageDecoder.ReadHeader(sample.Path);
            }
            catch (Exception e) when (policy == BadSamplePolicy.Skip && e is InvalidDataException or IOException) { }
        }
        throw DataFormat.Error(scan.Root, "no readable image in the tree");
    }

    /// <summary>The tree's classes, files and skipped problems.</summary>
    public ImageFolderScan Scan => _scan;

    /// <summary>Class names (the sub-folder names), in label order.</summary>
    public IReadOnlyList<string> ClassNames => _scan.ClassNames;

    /// <inheritdoc />
    public int Count => _scan.Samples.Count;

    /// <summary>The channel count, and the size of the first image (images differ in size).</summary>
    public ImageShape ImageShape { get; }

    /// <inheritdoc />
    public int ClassCount => _scan.ClassNames.Count;

    /// <inheritdoc />
    public bool SizesVary => true;

    /// <summary>Not available: images differ in size; use <see cref="ReadImage"/>.</summary>
    public void CopyImage(int index, Span<float> destination) =>
        throw new NotSupportedException("StreamingImageFolderDataset: images differ in size; read them with ReadImage");

    /// <inheritdoc />
    public (float[] Pixels, ImageShape Shape) ReadImage(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"dataset has {Count} samples");
        return ImageDecoder.Decode(_scan.Samples[index].Path, ImageShape.Channels);
    }

    /// <inheritdoc />
    public int Label(int index) => _scan.Samples[index].Label;
}

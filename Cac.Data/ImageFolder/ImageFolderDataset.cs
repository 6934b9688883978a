using System.Runtime.ExceptionServices;

namespace Cac.Data;

/// <summary>
/// A labelled image dataset from a directory tree with one sub-folder per class (torchvision's ImageFolder layout):
/// ROOT/&lt;class&gt;/**/&lt;image&gt;.{png,jpg,jpeg}.
/// <para>
/// Classes and files are those of <see cref="ImageFolderScan"/> (problems stop it); only names ending in .png, .jpg or
/// .jpeg (any case) count: other files are ignored. A file with such a name that is not a readable PNG/JPEG image is an
/// error (<see cref="InvalidDataException"/> naming the file). For large trees of images of many sizes (ImageNet) see
/// <see cref="StreamingImageFolderDataset"/>, which reads nothing when opening.
/// </para>
/// <para>
/// Every image is converted to <see cref="ImageFolderOptions.Channels"/> channels and, when a size is given, resized
/// (bilinear, <see cref="Resize"/>) to it; without a size all images must share one size. Opening always reads every
/// file's header (so a non-image file or a size mismatch fails at once); <see cref="ImageFolderOptions.Eager"/>
/// also decodes every image up front, otherwise <see cref="CopyImage"/> decodes on demand (safe to call concurrently).
/// </para>
/// </summary>
public sealed class ImageFolderDataset : IImageDataset
{
    /// <summary>The file name endings that count as images (compared ignoring case).</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg"];

    private readonly float[]? _images; // eager: (N, C, H, W)

    private ImageFolderDataset(string root, IReadOnlyList<string> classNames, IReadOnlyList<ImageFolderSample> samples,
        ImageShape shape, bool resize, float[]? images)
    {
        Root = root;
        ClassNames = classNames;
        Samples = samples;
        ImageShape = shape;
        Resizes = resize;
        _images = images;
    }

    /// <summary>The root directory (full path).</summary>
    public string Root { get; }

    /// <summary>Class names (the sub-folder names), in label order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Every sample's file and label, in dataset order.</summary>
    public IReadOnlyList<ImageFolderSample> Samples { get; }

    /// <summary>Whether every image is resized to a size given in the options.</summary>
    public bool Resizes { get; }

    /// <summary>Whether the images were decoded when opening.</summary>
    public bool IsEager => _images is not null;

    /// <inheritdoc />
    public int Count => Samples.Count;

    /// <inheritdoc />
    public ImageShape ImageShape { get; }

    /// <inheritdoc />
    public int ClassCount => ClassNames.Count;

    /// <summary>
    /// Scans <paramref name="root"/> and reads every image's header (and with <see cref="ImageFolderOptions.Eager"/>, its
    /// pixels). Throws <see cref="DirectoryNotFoundException"/> when the root is missing, <see cref="ArgumentException"/>
    /// for bad options, and <see cref="InvalidDataException"/> naming the directory or file for an empty tree, a class
    /// without images, a file that is not a readable PNG/JPEG, or (without a size) an image of another size than the first.
    /// </summary>
    public static ImageFolderDataset Open(string root, ImageFolderOptions? options = null)
    {
        options ??= new ImageFolderOptions();
        if (options.Channels is not (1 or 3))
            throw new ArgumentException($"ImageFolderDataset: channel count {options.Channels} must be 1 (grey) or 3 (RGB)");
        if (options.Height is null != options.Width is null)
            throw new ArgumentException($"ImageFolderDataset: give both height and width or neither (height {options.Height}, width {options.Width})");
        if (options.Height is <= 0 || options.Width is <= 0)
            throw new ArgumentException($"ImageFolderDataset: size {options.Height} x {options.Width} must be positive");

        var scan = ImageFolderScan.Run(root);
        root = scan.Root;
        var samples = scan.Samples;

        // Headers: validate every file and find (or check) the common size.
        var headers = ForEach(samples.Count, i => ImageDecoder.ReadHeader(samples[i].Path));
        bool resize = options.Height is not null;
        int height = options.Height ?? headers[0].Height, width = options.Width ?? headers[0].Width;
        if (!resize)
            for (int i = 1; i < headers.Length; i++)
                if (headers[i].Height != height || headers[i].Width != width)
                    throw DataFormat.Error(samples[i].Path,
                        $"image is {headers[i].Height} x {headers[i].Width} (height x width), but {samples[0].Path} is {height} x {width}; " +
                        "images of different sizes need a size to resize them to (ImageFolderOptions Height and Width)");

        var shape = new ImageShape(options.Channels, height, width);
        var classNames = scan.ClassNames;
        var dataset = new ImageFolderDataset(root, classNames, samples, shape, resize, null);
        if (!options.Eager) return dataset;

        if ((long)samples.Count * shape.Length > Array.MaxLength)
            throw new ArgumentException($"ImageFolderDataset: {samples.Count} images of shape {shape} are too many to hold in one array; open lazily (Eager = false)");
        var images = new float[samples.Count * shape.Length];
        ForEach(samples.Count, i => { dataset.Decode(i, images.AsSpan(i * shape.Length, shape.Length)); return 0; });
        return new ImageFolderDataset(root, classNames, samples, shape, resize, images);
    }

    /// <summary>Whether <paramref name="path"/> ends in one of <see cref="Extensions"/>.</summary>
    public static bool IsImageName(string path) =>
        Extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <inheritdoc />
    public void CopyImage(int index, Span<float> destination)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"dataset has {Count} samples");
        if (destination.Length != ImageShape.Length)
            throw new ArgumentException($"ImageFolderDataset.CopyImage: destination has {destination.Length} values, an image of shape {ImageShape} has {ImageShape.Length}");
        if (_images is not null) _images.AsSpan(index * ImageShape.Length, ImageShape.Length).CopyTo(destination);
        else Decode(index, destination);
    }

    /// <inheritdoc />
    public int Label(int index) => Samples[index].Label;

    // Decodes sample i, converted and resized to ImageShape, into destination.
    private void Decode(int index, Span<float> destination)
    {
        string path = Samples[index].Path;
        var (pixels, shape) = ImageDecoder.Decode(path, ImageShape.Channels);
        if (shape == ImageShape) pixels.CopyTo(destination);
        else if (Resizes) Resize.Bilinear(pixels, shape, destination, ImageShape.Height, ImageShape.Width);
        else
            throw DataFormat.Error(path, $"image is {shape.Height} x {shape.Width} (height x width), the dataset's images are {ImageShape.Height} x {ImageShape.Width}");
    }

    // Runs f for 0..count-1 in parallel; on failure rethrows the exception of the lowest failing index (deterministic).
    private static T[] ForEach<T>(int count, Func<int, T> f)
    {
        var results = new T[count];
        var errors = new Exception?[count];
        Parallel.For(0, count, i =>
        {
            try { results[i] = f(i); }
            catch (Exception e) { errors[i] = e; }
        });
        foreach (var e in errors)
            if (e is not null) ExceptionDispatchInfo.Capture(e).Throw();
        return results;
    }
}

/// <summary>One sample of an <see cref="ImageFolderDataset"/>.</summary>
/// <param name="Path">The image file (full path).</param>
/// <param name="Label">The class index.</param>
public sealed record ImageFolderSample(string Path, int Label);

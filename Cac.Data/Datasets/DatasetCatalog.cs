using System.Text;

namespace Cac.Data;

/// <summary>
/// Datasets by name ("fashion-mnist", "fashion-mnist-32", "mnist", "cifar10", "cifar100", "imagenet", "imagefolder") and
/// where to find their files.
/// <para>
/// Lookup for a split: the directory given by --data (DIR itself, then DIR/&lt;name&gt;), and only there when it is
/// given (a mistyped --data fails naming it instead of silently training on another copy); without --data,
/// <see cref="SystemRoot"/>/&lt;name&gt; (Debian's dataset-fashion-mnist installs /usr/share/datasets/fashion-mnist).
/// </para>
/// <para>
/// IDX datasets (fashion-mnist, mnist; <see cref="Locate"/>): in each directory the files are
/// {train,t10k}-{images-idx3,labels-idx1}-ubyte, gzipped (".gz") or raw; the names with a dot before
/// "idx" that some unpackers produce (train-images.idx3-ubyte) are accepted too.
/// </para>
/// <para>
/// CIFAR (cifar10, cifar100; <see cref="LocateCifar"/>): each directory above is tried as is and with the archive's
/// folder appended (cifar-10-batches-bin, cifar-100-binary), so DIR, DIR/cifar-10-batches-bin, DIR/cifar10 and
/// DIR/cifar10/cifar-10-batches-bin (where <see cref="DatasetDownloader"/> puts it) all work.
/// </para>
/// <para>
/// Image folders (imagenet, imagefolder; <see cref="LocateImageFolder"/>): --data DIR is required; the train split is
/// DIR/train, the test split DIR/val, each read by <see cref="StreamingImageFolderDataset"/>.
/// </para>
/// </summary>
public static class DatasetCatalog
{
    /// <summary>Where system-wide dataset packages install their files.</summary>
    public const string SystemRoot = "/usr/share/datasets";

    private static readonly DatasetInfo[] Known =
    [
        new("fashion-mnist",
            ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
            new ImageShape(1, 28, 28), [0.2860], [0.3530],
            "sudo apt-get install dataset-fashion-mnist (installs /usr/share/datasets/fashion-mnist), " +
            "or run `cac download fashion-mnist --data DIR` (fetches the four files into DIR/fashion-mnist), or pass --data DIR"),
        // Fashion-MNIST zero-padded by 2 pixels on every side to 32 x 32 (as LeNet-5 fed MNIST): the CIFAR input size,
        // so the CIFAR networks' MAdds equal the paper's and the octave models (sides divisible by 8) run. Mean and std
        // follow from fashion-mnist's: mean * 784/1024, and E[x^2] * 784/1024 - mean'^2 under the root.
        new("fashion-mnist-32",
            ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
            new ImageShape(1, 32, 32), [0.2190], [0.3318],
            "the files of fashion-mnist: sudo apt-get install dataset-fashion-mnist, or `cac download fashion-mnist --data DIR`, or pass --data DIR",
            PaddedFrom: "fashion-mnist"),
        new("mnist",
            ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
            new ImageShape(1, 28, 28), [0.1307], [0.3081],
            "download the four files from https://ossci-datasets.s3.amazonaws.com/mnist/ and pass --data DIR"),
        new("cifar10",
            CifarReader.Cifar10ClassNames,
            CifarReader.ImageShape, [0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616],
            $"run `cac download cifar10 --data DIR` (fetches {DatasetDownloader.Cifar10Url} and extracts it to DIR/cifar10/{Cifar10Folder}), " +
            "or extract that archive yourself and pass --data DIR"),
        new("cifar100",
            CifarReader.Cifar100FineClassNames,
            CifarReader.ImageShape, [0.5071, 0.4865, 0.4409], [0.2673, 0.2564, 0.2762],
            $"run `cac download cifar100 --data DIR` (fetches {DatasetDownloader.Cifar100Url} and extracts it to DIR/cifar100/{Cifar100Folder}), " +
            "or extract that archive yourself and pass --data DIR"),
        new("imagenet", [], new ImageShape(3, 224, 224), [0.485, 0.456, 0.406], [0.229, 0.224, 0.225],
            "download ILSVRC2012 from https://image-net.org/, lay it out as DIR/train/<wnid>/*.JPEG and DIR/val/<wnid>/*.JPEG, and pass --data DIR",
            IsImageFolder: true),
        // Any tree in ImageNet's layout, with ImageNet's transforms and normalisation constants.
        new("imagefolder", [], new ImageShape(3, 224, 224), [0.485, 0.456, 0.406], [0.229, 0.224, 0.225],
            "pass --data DIR, where DIR/train/<class>/* and DIR/val/<class>/* hold PNG or JPEG images " +
            "(`cac make-dataset fashion-mnist-folder --out DIR` makes one)",
            IsImageFolder: true),
    ];

    /// <summary>The folder the CIFAR-10 binary archive extracts to.</summary>
    public const string Cifar10Folder = "cifar-10-batches-bin";

    /// <summary>The folder the CIFAR-100 binary archive extracts to.</summary>
    public const string Cifar100Folder = "cifar-100-binary";

    /// <summary>The names the catalog knows.</summary>
    public static IReadOnlyList<string> Names { get; } = Array.ConvertAll(Known, k => k.Name);

    /// <summary>The catalog entry for <paramref name="name"/> (case-insensitive); ArgumentException listing the known names otherwise.</summary>
    public static DatasetInfo Info(string name) =>
        Array.Find(Known, k => string.Equals(k.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown dataset '{name}'; known datasets: {string.Join(", ", Names)}");

    /// <summary>The four file names of a dataset in the IDX layout (gzipped form).</summary>
    public static IReadOnlyList<string> FileNames { get; } =
        ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

    /// <summary>
    /// Finds the files of one split. <paramref name="systemRoot"/> replaces <see cref="SystemRoot"/> (null skips it).
    /// Throws <see cref="DatasetNotFoundException"/> listing every place searched and how to get the data.
    /// </summary>
    public static DatasetFiles Locate(string name, string? dataDir = null, bool train = true, string? systemRoot = SystemRoot)
    {
        var info = Info(name);
        if (info.PaddedFrom is { } source) return Locate(source, dataDir, train, systemRoot);
        if (info.IsImageFolder)
            throw new ArgumentException($"dataset '{info.Name}' is an image folder, not IDX; use DatasetCatalog.LocateImageFolder", nameof(name));
        if (CifarVariantOf(info.Name) is not null)
            throw new ArgumentException($"dataset '{info.Name}' is in the CIFAR binary format, not IDX; use DatasetCatalog.LocateCifar", nameof(name));
        var candidates = Candidates(info.Name, dataDir, systemRoot);

        string split = train ? "train" : "t10k";
        var report = new List<string>();
        foreach (var dir in candidates)
        {
            if (!Directory.Exists(dir)) { report.Add($"{dir}: no such directory"); continue; }
            string? images = FindFile(dir, $"{split}-images-idx3-ubyte");
            string? labels = FindFile(dir, $"{split}-labels-idx1-ubyte");
            if (images is not null && labels is not null) return new DatasetFiles(dir, images, labels);
            var missing = new List<string>();
            if (images is null) missing.Add($"{split}-images-idx3-ubyte[.gz]");
            if (labels is null) missing.Add($"{split}-labels-idx1-ubyte[.gz]");
            report.Add($"{dir}: missing {string.Join(" and ", missing)}");
        }

        throw NotFound(info, train, report, candidates,
            $"DIR or DIR/{info.Name} holds {string.Join(", ", FileNames)} (gzipped or not).");
    }

    // The directories searched, in order: DIR and DIR/<name> when a data directory is given (only those: a mistyped
    // --data must fail, not train on the installed copy), else systemRoot/<name>.
    private static List<string> Candidates(string name, string? dataDir, string? systemRoot)
    {
        if (!string.IsNullOrEmpty(dataDir)) return [Path.GetFullPath(dataDir), Path.GetFullPath(Path.Combine(dataDir, name))];
        return systemRoot is null ? [] : [Path.Combine(systemRoot, name)];
    }

    private static DatasetNotFoundException NotFound(DatasetInfo info, bool train, List<string> report, List<string> candidates, string layout)
    {
        var message = new StringBuilder();
        message.Append($"dataset '{info.Name}' ({(train ? "train" : "test")} split) not found. Searched:");
        foreach (var line in report) message.Append("\n  ").Append(line);
        if (report.Count == 0) message.Append(" nowhere (no --data directory and no system root)");
        message.Append($"\nTo get it: {info.HowToGet}, where {layout}");
        return new DatasetNotFoundException(info.Name, candidates, message.ToString());
    }

    private static CifarVariant? CifarVariantOf(string name) => name switch
    {
        "cifar10" => CifarVariant.Cifar10,
        "cifar100" => CifarVariant.Cifar100Fine,
        _ => null,
    };

    private static string[] CifarFileNames(CifarVariant variant, bool train) => variant == CifarVariant.Cifar10
        ? (train ? ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"] : ["test_batch.bin"])
        : (train ? ["train.bin"] : ["test.bin"]);

    /// <summary>
    /// Finds the files of one CIFAR split (cifar10: data_batch_1..5.bin or test_batch.bin; cifar100: train.bin or test.bin)
    /// and the class-name file when present (batches.meta.txt; fine_label_names.txt).
    /// <paramref name="systemRoot"/> replaces <see cref="SystemRoot"/> (null skips it). Throws
    /// <see cref="DatasetNotFoundException"/> listing every place searched, the files missing there, and how to get the data.
    /// </summary>
    public static CifarFiles LocateCifar(string name, string? dataDir = null, bool train = true, string? systemRoot = SystemRoot)
    {
        var info = Info(name);
        var variant = CifarVariantOf(info.Name)
            ?? throw new ArgumentException($"dataset '{info.Name}' is not a CIFAR dataset; use DatasetCatalog.Locate", nameof(name));
        string folder = variant == CifarVariant.Cifar10 ? Cifar10Folder : Cifar100Folder;
        string[] fileNames = CifarFileNames(variant, train);
        string namesFile = variant == CifarVariant.Cifar10 ? "batches.meta.txt" : "fine_label_names.txt";

        var candidates = new List<string>();
        foreach (var dir in Candidates(info.Name, dataDir, systemRoot))
        {
            candidates.Add(dir);
            candidates.Add(Path.Combine(dir, folder));
        }
        var report = new List<string>();
        foreach (var dir in candidates)
        {
            if (!Directory.Exists(dir)) { report.Add($"{dir}: no such directory"); continue; }
            var missing = fileNames.Where(f => !File.Exists(Path.Combine(dir, f))).ToList();
            if (missing.Count == 0)
            {
                string names = Path.Combine(dir, namesFile);
                return new CifarFiles(dir, fileNames.Select(f => Path.Combine(dir, f)).ToArray(), File.Exists(names) ? names : null, variant);
            }
            report.Add($"{dir}: missing {string.Join(", ", missing)}");
        }
        throw NotFound(info, train, report, candidates,
            $"DIR/{info.Name}/{folder} (or DIR, or DIR/{folder}) holds {string.Join(", ", CifarFileNames(variant, true).Concat(CifarFileNames(variant, false)))}.");
    }

    /// <summary>
    /// The directory of one split of an image-folder dataset: DIR/train or DIR/val. Throws
    /// <see cref="DatasetNotFoundException"/> when --data is missing or the split's directory does not exist.
    /// </summary>
    public static string LocateImageFolder(string name, string? dataDir, bool train = true)
    {
        var info = Info(name);
        if (!info.IsImageFolder) throw new ArgumentException($"dataset '{info.Name}' is not an image folder", nameof(name));
        string split = train ? "train" : "val";
        if (string.IsNullOrEmpty(dataDir))
            throw NotFound(info, train, [], [], $"DIR/{split} holds one folder of images per class.");
        string dir = Path.GetFullPath(Path.Combine(dataDir, split));
        if (!Directory.Exists(dir))
            throw NotFound(info, train, [$"{dir}: no such directory"], [dir], $"DIR/{split} holds one folder of images per class.");
        return dir;
    }

    /// <summary>
    /// Opens the train or test split of a known dataset, pixels in [0, 1], not normalised (use
    /// <see cref="DatasetInfo.Normalize"/> from <see cref="Info"/>). IDX datasets come back as an
    /// <see cref="InMemoryImageDataset"/>, CIFAR as a <see cref="ByteImageDataset"/> (a quarter of the memory), image
    /// folders as a <see cref="StreamingImageFolderDataset"/> (images of any size, decoded when read; problems in the tree
    /// follow <paramref name="badSamples"/>). CIFAR-100 uses its 100 fine labels.
    /// </summary>
    public static IImageDataset Load(string name, string? dataDir = null, bool train = true, BadSamplePolicy badSamples = BadSamplePolicy.Stop)
    {
        var info = Info(name);
        if (info.IsImageFolder) return StreamingImageFolderDataset.Open(LocateImageFolder(info.Name, dataDir, train), info.ImageShape.Channels, badSamples);
        var variant = CifarVariantOf(info.Name);
        if (variant is null) return Open(info.Name, dataDir, train);
        var files = LocateCifar(info.Name, dataDir, train);
        var classNames = files.ClassNamesPath is null
            ? info.ClassNames
            : CifarReader.ReadClassNames(files.ClassNamesPath, info.ClassCount);
        return CifarReader.Read(files.Files, variant.Value, classNames, $"{info.Name}/{(train ? "train" : "test")}");
    }

    /// <summary>
    /// Opens the train or test split of a known dataset as an in-memory float dataset (pixels in [0, 1], not normalised;
    /// use <see cref="DatasetInfo.Normalize"/> from <see cref="Info"/>). For CIFAR this takes four times the memory of
    /// <see cref="Load"/> (600 MB for CIFAR-10's training split).
    /// </summary>
    public static InMemoryImageDataset Open(string name, string? dataDir = null, bool train = true)
    {
        var info = Info(name);
        if (info.IsImageFolder)
            throw new ArgumentException($"dataset '{info.Name}' is an image folder of images of many sizes; open it with DatasetCatalog.Load", nameof(name));
        if (CifarVariantOf(info.Name) is not null) return ((ByteImageDataset)Load(info.Name, dataDir, train)).ToInMemory();
        if (info.PaddedFrom is { } source)
            return ZeroPadded(Open(source, dataDir, train), info, $"{info.Name}/{(train ? "train" : "test")}");
        var files = Locate(info.Name, dataDir, train);
        var dataset = InMemoryImageDataset.FromIdx(files.ImagesPath, files.LabelsPath, info.ClassCount, info.ClassNames,
            $"{info.Name}/{(train ? "train" : "test")}");
        if (dataset.ImageShape != info.ImageShape)
            throw DataFormat.Error(files.ImagesPath, $"images have shape {dataset.ImageShape}, {info.Name} has {info.ImageShape}");
        return dataset;
    }

    // Each image of `source` centred in a zero image of info.ImageShape (same channels; the margins split evenly, the odd
    // pixel, if any, at the bottom and right).
    private static InMemoryImageDataset ZeroPadded(InMemoryImageDataset source, DatasetInfo info, string name)
    {
        ImageShape from = source.ImageShape, to = info.ImageShape;
        int top = (to.Height - from.Height) / 2, left = (to.Width - from.Width) / 2;
        var images = new float[(long)source.Count * to.Length];
        for (int i = 0; i < source.Count; i++)
        {
            var image = source.Image(i);
            for (int c = 0; c < from.Channels; c++)
                for (int h = 0; h < from.Height; h++)
                    image.Slice((c * from.Height + h) * from.Width, from.Width)
                        .CopyTo(images.AsSpan((int)((long)i * to.Length + (c * to.Height + h + top) * to.Width + left)));
        }
        return new InMemoryImageDataset(images, source.Labels, to, info.ClassCount, info.ClassNames, name);
    }

    private static string? FindFile(string dir, string baseName)
    {
        string dotted = baseName.Replace("-idx", ".idx", StringComparison.Ordinal);
        foreach (var candidate in new[] { baseName + ".gz", baseName, dotted + ".gz", dotted })
        {
            string path = Path.Combine(dir, candidate);
            if (File.Exists(path)) return path;
        }
        return null;
    }
}

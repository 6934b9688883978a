using System.Text;

namespace Cac.Data;

/// <summary>
/// Datasets by name ("fashion-mnist", "mnist") and where to find their IDX files.
/// <para>
/// Lookup order for a split: the directory given by --data (DIR itself, then DIR/&lt;name&gt;), then
/// <see cref="SystemRoot"/>/&lt;name&gt; (Debian's dataset-fashion-mnist installs
/// /usr/share/datasets/fashion-mnist). In each directory the files are
/// {train,t10k}-{images-idx3,labels-idx1}-ubyte, gzipped (".gz") or raw; the names with a dot before
/// "idx" that some unpackers produce (train-images.idx3-ubyte) are accepted too.
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
            "sudo apt-get install dataset-fashion-mnist (installs /usr/share/datasets/fashion-mnist), or pass --data DIR"),
        new("mnist",
            ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
            new ImageShape(1, 28, 28), [0.1307], [0.3081],
            "download the four files from https://ossci-datasets.s3.amazonaws.com/mnist/ and pass --data DIR"),
    ];

    /// <summary>The names the catalog knows.</summary>
    public static IReadOnlyList<string> Names { get; } = Array.ConvertAll(Known, k => k.Name);

    /// <summary>The catalog entry for <paramref name="name"/> (case-insensitive); ArgumentException listing the known names otherwise.</summary>
    public static DatasetInfo Info(string name) =>
        Array.Find(Known, k => string.Equals(k.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown dataset '{name}'; known datasets: {string.Join(", ", Names)}", nameof(name));

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
        var candidates = new List<string>();
        if (!string.IsNullOrEmpty(dataDir))
        {
            candidates.Add(Path.GetFullPath(dataDir));
            candidates.Add(Path.GetFullPath(Path.Combine(dataDir, info.Name)));
        }
        if (systemRoot is not null) candidates.Add(Path.Combine(systemRoot, info.Name));

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

        var message = new StringBuilder();
        message.Append($"dataset '{info.Name}' ({(train ? "train" : "test")} split) not found. Searched:");
        foreach (var line in report) message.Append("\n  ").Append(line);
        if (report.Count == 0) message.Append(" nowhere (no --data directory and no system root)");
        message.Append($"\nTo get it: {info.HowToGet}, where DIR or DIR/{info.Name} holds {string.Join(", ", FileNames)} (gzipped or not).");
        throw new DatasetNotFoundException(info.Name, candidates, message.ToString());
    }

    /// <summary>
    /// Opens the train or test split of a known dataset as an in-memory dataset (pixels in [0, 1], not normalised;
    /// use <see cref="DatasetInfo.Normalize"/> from <see cref="Info"/>).
    /// </summary>
    public static InMemoryImageDataset Open(string name, string? dataDir = null, bool train = true)
    {
        var info = Info(name);
        var files = Locate(info.Name, dataDir, train);
        var dataset = InMemoryImageDataset.FromIdx(files.ImagesPath, files.LabelsPath, info.ClassCount, info.ClassNames,
            $"{info.Name}/{(train ? "train" : "test")}");
        if (dataset.ImageShape != info.ImageShape)
            throw DataFormat.Error(files.ImagesPath, $"images have shape {dataset.ImageShape}, {info.Name} has {info.ImageShape}");
        return dataset;
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

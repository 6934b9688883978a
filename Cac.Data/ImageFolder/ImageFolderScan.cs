namespace Cac.Data;

/// <summary>
/// The classes and files of an image-folder tree (torchvision's ImageFolder layout): ROOT/&lt;class&gt;/**/&lt;image&gt;.
/// <para>
/// Classes are the sub-folders of ROOT (hidden ones, starting with '.', skipped) in ordinal order of their names; labels
/// are their indices. Each class folder is searched recursively, following directory links but never into a directory
/// that is already on the path from the class folder (a link loop); files are taken in ordinal order of their relative
/// paths, and only names ending in one of <see cref="ImageFolderDataset.Extensions"/> (any case) and not hidden count.
/// </para>
/// <para>
/// Problems: a class folder without images and a link loop throw <see cref="InvalidDataException"/> naming the directory
/// under <see cref="BadSamplePolicy.Stop"/>; under <see cref="BadSamplePolicy.Skip"/> they are listed in
/// <see cref="Problems"/> (an empty class keeps its label, so labels stay those of the folder names).
/// </para>
/// </summary>
public sealed class ImageFolderScan
{
    private ImageFolderScan(string root, IReadOnlyList<string> classNames, IReadOnlyList<ImageFolderSample> samples, IReadOnlyList<string> problems)
    {
        Root = root;
        ClassNames = classNames;
        Samples = samples;
        Problems = problems;
    }

    /// <summary>The root directory (full path).</summary>
    public string Root { get; }

    /// <summary>Class names (the sub-folder names), in label order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Every image file and its label, in dataset order.</summary>
    public IReadOnlyList<ImageFolderSample> Samples { get; }

    /// <summary>What was skipped under <see cref="BadSamplePolicy.Skip"/>, one message naming the directory each.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>
    /// Scans <paramref name="root"/> (names only; no file is opened). Throws <see cref="DirectoryNotFoundException"/> when
    /// the root is missing and <see cref="InvalidDataException"/> naming the root when it has no class folders or no
    /// image at all; otherwise problems follow <paramref name="policy"/>.
    /// </summary>
    public static ImageFolderScan Run(string root, BadSamplePolicy policy = BadSamplePolicy.Stop)
    {
        root = Path.GetFullPath(root);
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: no such directory (the image-folder root)");
        var classDirs = Directory.GetDirectories(root)
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal).ToArray();
        if (classDirs.Length == 0)
            throw DataFormat.Error(root, "no class sub-folders; expected ROOT/<class>/<image>.png (or .jpg, .jpeg)");

        var samples = new List<ImageFolderSample>();
        var problems = new List<string>();
        void Problem(string path, string message)
        {
            if (policy == BadSamplePolicy.Stop) throw DataFormat.Error(path, message);
            problems.Add($"{path}: {message}");
        }
        for (int label = 0; label < classDirs.Length; label++)
        {
            string dir = classDirs[label];
            var files = new List<string>();
            Walk(dir, [], files, Problem);
            files.Sort((a, b) => StringComparer.Ordinal.Compare(Path.GetRelativePath(dir, a), Path.GetRelativePath(dir, b)));
            if (files.Count == 0) Problem(dir, $"class '{Path.GetFileName(dir)}' has no images ({string.Join(", ", ImageFolderDataset.Extensions)})");
            foreach (var f in files) samples.Add(new ImageFolderSample(f, label));
        }
        if (samples.Count == 0) throw DataFormat.Error(root, "no images in any class folder");
        return new ImageFolderScan(root, classDirs.Select(d => Path.GetFileName(d)!).ToArray(), samples, problems);
    }

    // Adds the image files under dir to files; ancestors: the real paths of the directories above it on this walk.
    private static void Walk(string dir, HashSet<string> ancestors, List<string> files, Action<string, string> problem)
    {
        string real = RealPath(dir);
        if (!ancestors.Add(real))
        {
            problem(dir, $"directory link loop (it leads back to {real}); not followed");
            return;
        }
        foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos())
        {
            if (entry.Name.StartsWith('.')) continue;
            if (entry is DirectoryInfo sub) Walk(sub.FullName, ancestors, files, problem);
            else if (ImageFolderDataset.IsImageName(entry.Name)) files.Add(entry.FullName);
        }
        ancestors.Remove(real);
    }

    private const int MaxLinkHops = 40; // Linux's limit before ELOOP

    // The directory's path with every link resolved (realpath); IOException after MaxLinkHops links.
    private static string RealPath(string dir, int hops = 0)
    {
        if (hops > MaxLinkHops) throw new IOException($"{dir}: too many levels of directory links");
        var info = new DirectoryInfo(dir);
        string here = info.Parent is { } parent ? Path.Combine(RealPath(parent.FullName, hops), info.Name) : info.FullName;
        return new DirectoryInfo(here).LinkTarget is { } target
            ? RealPath(Path.GetFullPath(target, Path.GetDirectoryName(here)!), hops + 1)
            : here;
    }
}

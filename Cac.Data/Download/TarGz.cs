using System.Formats.Tar;
using System.IO.Compression;

namespace Cac.Data;

/// <summary>
/// Unpacks .tar.gz archives (and plain .tar archives, recognised by the absence of gzip's magic bytes 1F 8B) safely. Entries are first written to a staging folder inside the target directory and
/// moved into place only when the whole archive has been read, so a bad archive leaves the target as it was.
/// Rejected (<see cref="InvalidDataException"/> naming the archive): entries whose path leaves the target directory
/// (absolute paths, "..") and entries other than plain files and directories (links, devices), plus corrupt gzip or tar data.
/// </summary>
public static class TarGz
{
    /// <summary>
    /// Extracts <paramref name="archivePath"/> into <paramref name="targetDir"/> (created when missing); returns the
    /// top-level names extracted. Existing files or folders with those names are replaced.
    /// </summary>
    public static IReadOnlyList<string> Extract(string archivePath, string targetDir)
    {
        string target = Path.GetFullPath(targetDir);
        Directory.CreateDirectory(target);
        string staging = Path.Combine(target, $".{Path.GetFileName(archivePath)}.extracting-{Guid.NewGuid():N}");
        string stagingPrefix = staging + Path.DirectorySeparatorChar;
        Directory.CreateDirectory(staging);
        try
        {
            using (var file = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
            using (var data = IsGzip(file) ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file)
            using (var tar = new TarReader(data))
            {
                try
                {
                    while (tar.GetNextEntry() is { } entry)
                        Write(entry, archivePath, target, staging, stagingPrefix);
                }
                catch (Exception e) when (e is (InvalidDataException or FormatException or EndOfStreamException) && DataFormat.PathOf(e) is null)
                {
                    throw DataFormat.Error(archivePath, $"corrupt .tar.gz archive: {e.Message}", e);
                }
            }

            var names = new List<string>();
            foreach (var item in Directory.EnumerateFileSystemEntries(staging).OrderBy(p => p, StringComparer.Ordinal).ToArray())
            {
                string name = Path.GetFileName(item);
                string destination = Path.Combine(target, name);
                if (Directory.Exists(destination)) Directory.Delete(destination, recursive: true);
                else if (File.Exists(destination)) File.Delete(destination);
                if (Directory.Exists(item)) Directory.Move(item, destination);
                else File.Move(item, destination);
                names.Add(name);
            }
            return names;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    // Whether the stream starts with gzip's magic bytes; leaves it at its start.
    private static bool IsGzip(FileStream file)
    {
        Span<byte> magic = stackalloc byte[2];
        int got = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return got == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
    }

    private static void Write(TarEntry entry, string archivePath, string target, string staging, string stagingPrefix)
    {
        string name = entry.Name;
        if (string.IsNullOrEmpty(name)) return;
        string destination = Path.GetFullPath(Path.Combine(staging, name));
        if (Path.IsPathRooted(name) || !(destination.StartsWith(stagingPrefix, StringComparison.Ordinal) || destination == staging))
            throw DataFormat.Error(archivePath, $"entry '{name}' would be written outside the target directory {target}; refusing to extract");
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                Directory.CreateDirectory(destination);
                break;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                using (var output = new FileStream(destination, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                    entry.DataStream?.CopyTo(output);
                break;
            case TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes:
                break;
            default:
                throw DataFormat.Error(archivePath, $"entry '{name}' is a {entry.EntryType}; only plain files and directories are extracted");
        }
    }
}

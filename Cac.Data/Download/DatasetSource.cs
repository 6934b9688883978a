namespace Cac.Data;

/// <summary>One file of a dataset on a server.</summary>
/// <param name="RelativeUrl">Its address relative to the source's base address ("cifar-10-binary.tar.gz").</param>
/// <param name="Checksum">The published hash.</param>
public sealed record RemoteFile(string RelativeUrl, Checksum Checksum)
{
    /// <summary>The local file name: the last segment of <see cref="RelativeUrl"/>.</summary>
    public string FileName => RelativeUrl[(RelativeUrl.LastIndexOf('/') + 1)..];
}

/// <summary>Where a dataset's files are published and how they are unpacked.</summary>
/// <param name="Name">Catalog name ("cifar10").</param>
/// <param name="BaseAddress">The address the files' relative addresses resolve against; ends in '/'.</param>
/// <param name="Files">The files to fetch.</param>
/// <param name="ExtractTarGz">Whether each file is a .tar.gz (or plain .tar) archive to unpack after the download.</param>
public sealed record DatasetSource(string Name, Uri BaseAddress, IReadOnlyList<RemoteFile> Files, bool ExtractTarGz)
{
    /// <summary>The absolute address of <paramref name="file"/>.</summary>
    public Uri UrlOf(RemoteFile file) => new(BaseAddress, file.RelativeUrl);
}

/// <summary>Progress of one file's download, reported after each chunk received.</summary>
/// <param name="Url">The address being fetched.</param>
/// <param name="FileName">The local file name.</param>
/// <param name="BytesReceived">Bytes received so far.</param>
/// <param name="TotalBytes">The length the server announced, when it did.</param>
public readonly record struct DownloadProgress(Uri Url, string FileName, long BytesReceived, long? TotalBytes);

namespace Cac.Data;

/// <summary>
/// Fetches datasets from their official addresses into a data directory, verifying every file's checksum.
/// <para>
/// Layout: dataset NAME goes to DATA/NAME/ (what <see cref="DatasetCatalog"/> searches): Fashion-MNIST's four .gz files
/// directly, CIFAR's and VOC's archives (kept, so a second run re-verifies them and unpacks them again without fetching)
/// unpacked beside them (DATA/cifar10/cifar-10-batches-bin, DATA/cifar100/cifar-100-binary, DATA/voc2012/VOCdevkit/VOC2012).
/// </para>
/// <para>
/// Each file streams to TARGET.part while its hash is computed; only a matching hash moves it to TARGET (File.Move),
/// so TARGET is either absent or complete. On a mismatch, an HTTP error or a broken connection the .part file is deleted
/// and <see cref="DownloadException"/> (<see cref="ChecksumMismatchException"/> for a bad hash) names the URL. A TARGET
/// already present with the right hash is not fetched again.
/// </para>
/// </summary>
public sealed class DatasetDownloader : IDisposable
{
    /// <summary>The CIFAR-10 binary archive.</summary>
    public const string Cifar10Url = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";

    /// <summary>The CIFAR-100 binary archive.</summary>
    public const string Cifar100Url = "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz";

    /// <summary>Where the Fashion-MNIST files are published.</summary>
    public const string FashionMnistBase = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

    /// <summary>Where PASCAL VOC 2012 is published (the trainval archive, 1.9 GB, unpacks to VOCdevkit/VOC2012).</summary>
    public const string Voc2012Base = "http://host.robots.ox.ac.uk/pascal/VOC/voc2012/";

    private const string TorontoBase = "https://www.cs.toronto.edu/~kriz/";

    /// <summary>The datasets this downloader knows, with their official addresses and MD5 checksums.</summary>
    public static IReadOnlyList<DatasetSource> Sources { get; } =
    [
        new("cifar10", new Uri(TorontoBase), [new("cifar-10-binary.tar.gz", Checksum.Md5("c32a1d4ab5d03f1284b67883e8d87530"))], ExtractTarGz: true),
        new("cifar100", new Uri(TorontoBase), [new("cifar-100-binary.tar.gz", Checksum.Md5("03b5dce01913d631647c71ecec9e9cb8"))], ExtractTarGz: true),
        new("fashion-mnist", new Uri(FashionMnistBase),
        [
            new("train-images-idx3-ubyte.gz", Checksum.Md5("8d4fb7e6c68d591d4c3dfef9ec88bf0d")),
            new("train-labels-idx1-ubyte.gz", Checksum.Md5("25c81989df183df01b3e8a0aad5dffbe")),
            new("t10k-images-idx3-ubyte.gz", Checksum.Md5("bef4ecab320f06d8554ea6380940ec79")),
            new("t10k-labels-idx1-ubyte.gz", Checksum.Md5("bb300cfdad3c16e7a12a480ee83cd310")),
        ], ExtractTarGz: false),
        // The MD5 torchvision's VOCSegmentation checks; a plain .tar (TarGz reads both).
        new("voc2012", new Uri(Voc2012Base), [new("VOCtrainval_11-May-2012.tar", Checksum.Md5("6cd6e144f989b92b3379bac3b3de84fd"))], ExtractTarGz: true),
    ];

    private readonly HttpClient _http;
    private readonly bool _ownsClient;

    /// <summary>
    /// Creates a downloader; <paramref name="http"/> (not disposed by this object) replaces the default client.
    /// The default client has no overall timeout: <see cref="StallTimeout"/> bounds each wait for data instead.
    /// </summary>
    public DatasetDownloader(HttpClient? http = null)
    {
        _ownsClient = http is null;
        _http = http ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The longest wait for the response headers or for the next chunk of the body (default 60 s).</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The names <see cref="Source"/> knows.</summary>
    public static IReadOnlyList<string> Names { get; } = Sources.Select(s => s.Name).ToArray();

    /// <summary>The source of <paramref name="name"/> (case-insensitive); ArgumentException listing the known names otherwise.</summary>
    public static DatasetSource Source(string name) =>
        Sources.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"no download known for dataset '{name}'; downloadable: {string.Join(", ", Names)}", nameof(name));

    /// <summary>
    /// Downloads (and unpacks) dataset <paramref name="name"/> into <paramref name="dataDir"/>/NAME and returns that directory.
    /// <paramref name="baseAddress"/> replaces the official base address (a mirror, or a test server).
    /// </summary>
    public Task<string> DownloadAsync(string name, string dataDir, Uri? baseAddress = null,
        Action<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var source = Source(name);
        if (baseAddress is not null) source = source with { BaseAddress = baseAddress };
        return DownloadAsync(source, dataDir, progress, cancellationToken);
    }

    /// <summary>Downloads (and unpacks) <paramref name="source"/> into <paramref name="dataDir"/>/NAME and returns that directory.</summary>
    public async Task<string> DownloadAsync(DatasetSource source, string dataDir,
        Action<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        string dir = Path.GetFullPath(Path.Combine(dataDir, source.Name));
        Directory.CreateDirectory(dir);
        foreach (var file in source.Files)
        {
            string target = Path.Combine(dir, file.FileName);
            await DownloadFileAsync(source.UrlOf(file), target, file.Checksum, progress, cancellationToken).ConfigureAwait(false);
            if (source.ExtractTarGz) TarGz.Extract(target, dir);
        }
        return dir;
    }

    /// <summary>
    /// Fetches <paramref name="url"/> to <paramref name="targetPath"/> through <paramref name="targetPath"/>.part, checking
    /// <paramref name="checksum"/> (when given) before the rename. Skips the fetch when the target already has that checksum.
    /// </summary>
    public async Task DownloadFileAsync(Uri url, string targetPath, Checksum? checksum,
        Action<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        string fileName = Path.GetFileName(targetPath);
        if (checksum is not null && File.Exists(targetPath) && checksum.Matches(checksum.Compute(targetPath)))
        {
            long length = new FileInfo(targetPath).Length;
            progress?.Invoke(new DownloadProgress(url, fileName, length, length));
            return;
        }

        string part = targetPath + ".part";
        try
        {
            string? actual = await FetchAsync(url, part, fileName, checksum, progress, cancellationToken).ConfigureAwait(false);
            if (checksum is not null && !checksum.Matches(actual!))
                throw new ChecksumMismatchException(url, checksum.Algorithm, checksum.Hex, actual!);
            File.Move(part, targetPath, overwrite: true);
        }
        catch
        {
            File.Delete(part);
            throw;
        }
    }

    // Streams the body to `part`, hashing as it goes; returns the hex digest (null without a checksum).
    private async Task<string?> FetchAsync(Uri url, string part, string fileName, Checksum? checksum,
        Action<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        using var hash = checksum?.CreateHash();
        long received = 0;
        long? total = null;
        // Cancelled when the caller cancels or no progress is made for StallTimeout.
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(StallTimeout);
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, stall.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new DownloadException(url, $"{url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            total = response.Content.Headers.ContentLength;
            await using var body = await response.Content.ReadAsStreamAsync(stall.Token).ConfigureAwait(false);
            await using var output = new FileStream(part, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            var buffer = new byte[1 << 16];
            int n;
            while ((n = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false)) > 0)
            {
                stall.CancelAfter(StallTimeout);
                await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                hash?.AppendData(buffer, 0, n);
                received += n;
                progress?.Invoke(new DownloadProgress(url, fileName, received, total));
            }
            if (total is not null && received != total)
                throw new DownloadException(url, $"{url}: the connection ended after {received} of {total} bytes");
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            output.Flush(flushToDisk: true);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DownloadException(url, $"{url}: no data for {StallTimeout.TotalSeconds:0.#} s after {received} bytes; giving up", e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException && e is not DownloadException)
        {
            string where = total is null ? "" : $" after {received} of {total} bytes";
            throw new DownloadException(url, $"{url}: download failed{where}: {e.Message}", e);
        }
        return hash is null ? null : Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Disposes the HTTP client when this object created it.</summary>
    public void Dispose()
    {
        if (_ownsClient) _http.Dispose();
    }
}

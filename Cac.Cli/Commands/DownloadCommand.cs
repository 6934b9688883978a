using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Cac.Data;

namespace Cac.Cli.Commands;

/// <summary>
/// `cac download`: fetches a dataset from its official address into DIR/NAME with <see cref="DatasetDownloader"/>
/// (checksums verified, each file streamed to a .part file and renamed only when complete; CIFAR archives unpacked),
/// where `cac train --data DIR` and `cac eval --data DIR` find it. Progress is printed as the bytes arrive.
/// </summary>
internal static class DownloadCommand
{
    /// <summary>MNIST from the mirror PyTorch uses, with torchvision's published MD5 checksums (DatasetDownloader knows the other datasets).</summary>
    internal static readonly DatasetSource Mnist = new("mnist", new Uri("https://ossci-datasets.s3.amazonaws.com/mnist/"),
    [
        new("train-images-idx3-ubyte.gz", Checksum.Md5("f68b3c2dcbeaaa9fbdd348bbdeb94873")),
        new("train-labels-idx1-ubyte.gz", Checksum.Md5("d53e105ee54ea40749a09fcbcd1e9432")),
        new("t10k-images-idx3-ubyte.gz", Checksum.Md5("9fb629c4189551a2d022fa330f9573f3")),
        new("t10k-labels-idx1-ubyte.gz", Checksum.Md5("ec29112dd5afa0611ce80d1b7f02629c")),
    ], ExtractTarGz: false);

    /// <summary>Every dataset this command can fetch.</summary>
    internal static IReadOnlyList<DatasetSource> Sources { get; } =
        DatasetDownloader.Sources.Any(s => s.Name == Mnist.Name) ? DatasetDownloader.Sources : [.. DatasetDownloader.Sources, Mnist];

    public static Command Create()
    {
        string names = string.Join(", ", Sources.Select(s => s.Name));
        var name = new Argument<string?>("name") { Description = $"Dataset to fetch: {names} (or use --dataset)", Arity = ArgumentArity.ZeroOrOne };
        var dataset = new Option<string?>("--dataset") { Description = $"Dataset to fetch: {names}" };
        var dir = new Option<string>("--dir", "--data") { Description = "Data directory: the files go to DIR/<dataset>", DefaultValueFactory = _ => "data" };
        var baseUrl = new Option<string?>("--base-url") { Description = "Fetch the files from this address instead of the official one (a mirror)" };
        var command = new Command("download", $"Download a dataset ({names}) with checksum verification")
        {
            name, dataset, dir, baseUrl,
        };
        command.SetAction(parse => Run(SettingsFrom(parse), Console.Out));
        return command;
    }

    /// <summary>
    /// The options of `cac download`: the dataset (the argument, else --dataset), the data directory and a mirror's address;
    /// <paramref name="Both"/> is true when the argument and --dataset name two different datasets (an error).
    /// </summary>
    internal sealed record DownloadSettings(string? Dataset, string Dir = "data", string? BaseUrl = null, bool Both = false);

    /// <summary>The settings of a parsed `cac download` command line (options left out take their defaults).</summary>
    internal static DownloadSettings SettingsFrom(ParseResult parse)
    {
        string? name = parse.GetValue<string?>("name"), dataset = parse.GetValue<string?>("--dataset");
        return new DownloadSettings(Dataset: name ?? dataset, Dir: parse.GetValue<string>("--dir")!, BaseUrl: parse.GetValue<string?>("--base-url"),
            Both: name is not null && dataset is not null && !string.Equals(name, dataset, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Runs the download; <paramref name="http"/> replaces the default HTTP client and <paramref name="sources"/> the known datasets (tests).</summary>
    internal static int Run(DownloadSettings s, TextWriter log, HttpClient? http = null, IReadOnlyList<DatasetSource>? sources = null)
    {
        sources ??= Sources;
        if (s.Both) throw new ArgumentException("give the dataset once: as the argument or with --dataset, not two different names");
        if (string.IsNullOrWhiteSpace(s.Dataset))
            throw new ArgumentException($"name the dataset to download: `cac download --dataset NAME`, NAME one of {string.Join(", ", Sources.Select(x => x.Name))}");
        if (string.IsNullOrWhiteSpace(s.Dir)) throw new ArgumentException("--dir must name a directory");
        var source = sources.FirstOrDefault(x => string.Equals(x.Name, s.Dataset, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"no download known for dataset '{s.Dataset}'; downloadable: {string.Join(", ", sources.Select(x => x.Name))}");
        if (s.BaseUrl is not null)
        {
            if (!Uri.TryCreate(s.BaseUrl.EndsWith('/') ? s.BaseUrl : s.BaseUrl + "/", UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("http" or "https"))
                throw new ArgumentException($"--base-url '{s.BaseUrl}' is not an http(s) address");
            source = source with { BaseAddress = baseAddress };
        }

        log.WriteLine($"downloading {source.Name} ({source.Files.Count} file(s)) from {source.BaseAddress} into {Path.GetFullPath(Path.Combine(s.Dir, source.Name))}");
        var progress = new ProgressPrinter(log);
        using var downloader = new DatasetDownloader(http);
        string target;
        try
        {
            target = downloader.DownloadAsync(source, s.Dir, progress.Report).GetAwaiter().GetResult();
        }
        catch (DownloadException e) when (e is not ChecksumMismatchException && IsUnreachable(e))
        {
            throw new DownloadException(e.Url,
                $"{e.Message}\ncould not reach {e.Url.Host}: are you offline? Copy the files ({string.Join(", ", source.Files.Select(f => f.FileName))}) " +
                $"into {Path.Combine(s.Dir, source.Name)} by hand, or use --base-url for a mirror", e);
        }
        progress.Finish();
        log.WriteLine($"{source.Name} is ready in {target}; use it with --dataset {source.Name} --data {s.Dir}");
        return 0;
    }

    // No HTTP status came back: DNS failure, refused or dropped connection, no network.
    private static bool IsUnreachable(Exception e) => e.InnerException is HttpRequestException { StatusCode: null };

    /// <summary>Prints "file: 12.3 of 162.2 MiB (7%)" at most every half second per file, and a line when a file is complete.</summary>
    private sealed class ProgressPrinter(TextWriter log)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private string? _file;
        private long _lastBytes;
        private TimeSpan _lastPrint;

        public void Report(DownloadProgress p)
        {
            if (_file != p.FileName)
            {
                Finish();
                _file = p.FileName;
                _lastPrint = _clock.Elapsed;
            }
            _lastBytes = p.BytesReceived;
            bool complete = p.TotalBytes == p.BytesReceived;
            if (complete || _clock.Elapsed - _lastPrint < TimeSpan.FromSeconds(0.5)) return;
            _lastPrint = _clock.Elapsed;
            log.WriteLine($"  {p.FileName}: {Describe(p.BytesReceived, p.TotalBytes)}");
        }

        public void Finish()
        {
            if (_file is null) return;
            log.WriteLine($"  {_file}: {Describe(_lastBytes, _lastBytes)}, verified");
            _file = null;
        }

        private static string Describe(long received, long? total) => total is > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{received / 1048576.0:F1} of {total.Value / 1048576.0:F1} MiB ({100.0 * received / total.Value:F0}%)")
            : string.Create(CultureInfo.InvariantCulture, $"{received / 1048576.0:F1} MiB");
    }
}

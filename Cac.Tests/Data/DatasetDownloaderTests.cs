using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Cac.Data;
using FluentAssertions;
using Xunit;
using static Cac.Tests.Data.CifarTestFiles;
using static Cac.Tests.Data.IdxFiles;

namespace Cac.Tests.Data;

/// <summary>Downloads from a loopback server the test starts; nothing touches the internet.</summary>
public class DatasetDownloaderTests
{
    private static string Md5Hex(byte[] b) => Convert.ToHexStringLower(MD5.HashData(b));

    // A .tar.gz holding the given (name, bytes) files; a null body makes a directory entry.
    private static byte[] TarGzOf(params (string Name, byte[]? Body)[] entries)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gz, TarEntryFormat.Pax, leaveOpen: true))
            foreach (var (name, body) in entries)
            {
                var entry = new PaxTarEntry(body is null ? TarEntryType.Directory : TarEntryType.RegularFile, name);
                if (body is not null) entry.DataStream = new MemoryStream(body);
                tar.WriteEntry(entry);
            }
        return ms.ToArray();
    }

    private static byte[] CifarArchive() => TarGzOf(
    [
        ("cifar-10-batches-bin/", null),
        .. Enumerable.Range(1, 5).Select(b => ($"cifar-10-batches-bin/data_batch_{b}.bin", (byte[]?)Cifar10(b, (byte)(b % 10), 3))),
        ("cifar-10-batches-bin/test_batch.bin", Cifar10(0, 4, 5, 6)),
        ("cifar-10-batches-bin/batches.meta.txt", System.Text.Encoding.UTF8.GetBytes(string.Join("\n", CifarReader.Cifar10ClassNames) + "\n\n")),
    ]);

    private static void NoTraceOf(string target)
    {
        File.Exists(target).Should().BeFalse("a failed download leaves no target");
        File.Exists(target + ".part").Should().BeFalse("a failed download leaves no partial file");
    }

    [Fact]
    public void Official_sources_have_the_published_addresses_and_checksums()
    {
        var c10 = DatasetDownloader.Source("cifar10");
        c10.UrlOf(c10.Files[0]).ToString().Should().Be("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz");
        c10.Files[0].Checksum.Should().Be(Checksum.Md5("c32a1d4ab5d03f1284b67883e8d87530"));
        c10.ExtractTarGz.Should().BeTrue();
        var c100 = DatasetDownloader.Source("CIFAR100");
        c100.UrlOf(c100.Files[0]).ToString().Should().Be("https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz");
        c100.Files[0].Checksum.Hex.Should().Be("03b5dce01913d631647c71ecec9e9cb8");
        var fm = DatasetDownloader.Source("fashion-mnist");
        fm.Files.Select(f => fm.UrlOf(f).ToString()).Should().Equal(
            DatasetCatalog.FileNames.Select(n => "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/" + n));
        fm.Files.Select(f => f.Checksum.Hex).Should().Equal("8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
            "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310");
        FluentActions.Invoking(() => DatasetDownloader.Source("imagenet")).Should().Throw<ArgumentException>().WithMessage("*imagenet*cifar10*");
    }

    [Fact]
    public async Task Fashion_mnist_downloads_verifies_and_opens_through_the_catalog()
    {
        using var server = new LoopbackServer();
        using var data = new TempDir();
        var bodies = new[] { Gzip(Images(4, 28, 28)), Gzip(Labels(1, 2, 3, 4)), Gzip(Images(2, 28, 28)), Gzip(Labels(9, 0)) };
        var files = DatasetCatalog.FileNames.Select((n, i) => new RemoteFile("fm/" + n, Checksum.Md5(Md5Hex(bodies[i])))).ToArray();
        for (int i = 0; i < 4; i++) server.Files["fm/" + DatasetCatalog.FileNames[i]] = bodies[i];
        var source = DatasetDownloader.Source("fashion-mnist") with { BaseAddress = server.BaseAddress, Files = files };

        var progress = new List<DownloadProgress>();
        using var http = LoopbackServer.Client();
        using var downloader = new DatasetDownloader(http);
        string dir = await downloader.DownloadAsync(source, data.Path, p => { lock (progress) progress.Add(p); });

        dir.Should().Be(Path.Combine(data.Path, "fashion-mnist"));
        for (int i = 0; i < 4; i++) File.ReadAllBytes(Path.Combine(dir, DatasetCatalog.FileNames[i])).Should().Equal(bodies[i]);
        Directory.GetFiles(dir).Should().HaveCount(4, "no .part files remain");
        var last = progress.Last(p => p.FileName == DatasetCatalog.FileNames[0]);
        last.BytesReceived.Should().Be(bodies[0].Length);
        last.TotalBytes.Should().Be(bodies[0].Length);
        last.Url.Should().Be(new Uri(server.BaseAddress, "fm/" + DatasetCatalog.FileNames[0]));

        var train = DatasetCatalog.Open("fashion-mnist", data.Path, train: true);
        train.Labels.Should().Equal(1, 2, 3, 4);
        DatasetCatalog.Open("fashion-mnist", data.Path, train: false).Count.Should().Be(2);

        // A second run finds valid files and fetches nothing.
        int before = server.Requests.Values.Sum();
        await downloader.DownloadAsync(source, data.Path);
        server.Requests.Values.Sum().Should().Be(before);
    }

    [Fact]
    public async Task Cifar_archive_downloads_extracts_and_loads()
    {
        using var server = new LoopbackServer();
        using var data = new TempDir();
        var archive = CifarArchive();
        server.Files["cifar-10-binary.tar.gz"] = archive;
        var official = DatasetDownloader.Source("cifar10");
        var source = official with
        {
            BaseAddress = server.BaseAddress,
            Files = [official.Files[0] with { Checksum = Checksum.Sha256(Convert.ToHexString(SHA256.HashData(archive))) }],
        };
        using var http = LoopbackServer.Client();
        using var downloader = new DatasetDownloader(http);
        string dir = await downloader.DownloadAsync(source, data.Path);

        dir.Should().Be(Path.Combine(data.Path, "cifar10"));
        Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).Should().BeEquivalentTo(["cifar-10-binary.tar.gz", "cifar-10-batches-bin"]);
        var train = (ByteImageDataset)DatasetCatalog.Load("cifar10", data.Path, train: true);
        train.Count.Should().Be(10);
        train.Labels.Take(2).Should().Equal(1, 3);
        train.ClassNames.Should().Equal(CifarReader.Cifar10ClassNames);
        DatasetCatalog.Load("cifar10", data.Path, train: false).Count.Should().Be(3);
    }

    [Fact]
    public async Task Checksum_mismatch_names_url_and_both_hashes_and_leaves_nothing()
    {
        using var server = new LoopbackServer();
        using var data = new TempDir();
        var archive = CifarArchive();
        server.Files["cifar-10-binary.tar.gz"] = archive;
        using var http = LoopbackServer.Client();
        using var downloader = new DatasetDownloader(http);
        // The official MD5 cannot match this small archive.
        var e = await FluentActions.Awaiting(() => downloader.DownloadAsync("cifar10", data.Path, server.BaseAddress))
            .Should().ThrowAsync<ChecksumMismatchException>();
        var url = new Uri(server.BaseAddress, "cifar-10-binary.tar.gz");
        e.Which.Url.Should().Be(url);
        e.Which.Message.Should().Contain(url.ToString()).And.Contain("c32a1d4ab5d03f1284b67883e8d87530").And.Contain(Md5Hex(archive)).And.Contain("MD5");
        e.Which.Actual.Should().Be(Md5Hex(archive));
        NoTraceOf(Path.Combine(data.Path, "cifar10", "cifar-10-binary.tar.gz"));
        Directory.Exists(Path.Combine(data.Path, "cifar10", "cifar-10-batches-bin")).Should().BeFalse();
    }

    [Fact]
    public async Task Not_found_is_a_download_error_naming_the_url()
    {
        using var server = new LoopbackServer();
        using var data = new TempDir();
        using var http = LoopbackServer.Client();
        using var downloader = new DatasetDownloader(http);
        var url = new Uri(server.BaseAddress, "nothing.bin");
        string target = Path.Combine(data.Path, "nothing.bin");
        var e = await FluentActions.Awaiting(() => downloader.DownloadFileAsync(url, target, Checksum.Md5(new string('0', 32))))
            .Should().ThrowAsync<DownloadException>();
        e.Which.Message.Should().Contain(url.ToString()).And.Contain("404");
        e.Which.Url.Should().Be(url);
        NoTraceOf(target);
    }

    [Fact]
    public async Task A_connection_cut_mid_file_leaves_no_partial_target()
    {
        using var server = new LoopbackServer();
        using var data = new TempDir();
        var body = new byte[300_000];
        new Random(5).NextBytes(body);
        server.Files["big.bin"] = body;
        server.CutAfter["big.bin"] = 100_000;
        string target = Path.Combine(data.Path, "big.bin");
        File.WriteAllBytes(target + ".part", [1, 2, 3]); // stale leftover of an earlier crash
        using var http = LoopbackServer.Client();
        using var downloader = new DatasetDownloader(http);
        var url = new Uri(server.BaseAddress, "big.bin");
        var e = await FluentActions.Awaiting(() => downloader.DownloadFileAsync(url, target, Checksum.Md5(Md5Hex(body))))
            .Should().ThrowAsync<DownloadException>();
        e.Which.Message.Should().Contain(url.ToString());
        NoTraceOf(target);

        // The same file, served whole, then succeeds; a wrong existing file is replaced.
        server.CutAfter.TryRemove("big.bin", out _);
        File.WriteAllBytes(target, [9, 9, 9]);
        await downloader.DownloadFileAsync(url, target, Checksum.Md5(Md5Hex(body)));
        File.ReadAllBytes(target).Should().Equal(body);
        File.Exists(target + ".part").Should().BeFalse();
    }

    [Fact]
    public async Task A_stalled_transfer_times_out_and_leaves_nothing()
    {
        using var server = new LoopbackServer();
        using var data = new TempDir();
        var body = new byte[50_000];
        server.Files["slow.bin"] = body;
        server.StallAfter["slow.bin"] = 1000;
        using var http = LoopbackServer.Client();
        using var downloader = new DatasetDownloader(http) { StallTimeout = TimeSpan.FromMilliseconds(300) };
        string target = Path.Combine(data.Path, "slow.bin");
        var url = new Uri(server.BaseAddress, "slow.bin");
        var e = await FluentActions.Awaiting(() => downloader.DownloadFileAsync(url, target, Checksum.Md5(Md5Hex(body))))
            .Should().ThrowAsync<DownloadException>();
        e.Which.Message.Should().Contain(url.ToString()).And.Contain("no data for 0.3 s");
        NoTraceOf(target);
    }

    [Fact]
    public async Task Download_without_checksum_still_goes_through_the_part_file()
    {
        using var server = new LoopbackServer();
        using var data = new TempDir();
        server.Files["a/b.txt"] = "hello"u8.ToArray();
        using var http = LoopbackServer.Client();
        using var downloader = new DatasetDownloader(http);
        string target = Path.Combine(data.Path, "b.txt");
        await downloader.DownloadFileAsync(new Uri(server.BaseAddress, "a/b.txt"), target, checksum: null);
        File.ReadAllText(target).Should().Be("hello");
        File.Exists(target + ".part").Should().BeFalse();
    }

    [Theory]
    [InlineData("../evil.txt")]
    [InlineData("inner/../../evil.txt")]
    [InlineData("/tmp/cac-evil-absolute.txt")]
    public void Tar_entries_escaping_the_target_are_rejected_and_nothing_is_written(string name)
    {
        using var data = new TempDir();
        string archive = data.Write("a.tar.gz", TarGzOf(("good/ok.txt", "ok"u8.ToArray()), (name, "evil"u8.ToArray())));
        string target = Path.Combine(data.Path, "out");
        var e = FluentActions.Invoking(() => TarGz.Extract(archive, target)).Should().Throw<InvalidDataException>().Which;
        e.Message.Should().StartWith(archive + ": ").And.Contain(name).And.Contain("outside");
        File.Exists(Path.Combine(data.Path, "evil.txt")).Should().BeFalse();
        File.Exists("/tmp/cac-evil-absolute.txt").Should().BeFalse();
        Directory.GetFileSystemEntries(target).Should().BeEmpty("nothing is moved into place when the archive is rejected");
    }

    [Fact]
    public void Tar_links_are_rejected()
    {
        using var data = new TempDir();
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gz, TarEntryFormat.Pax, leaveOpen: true))
            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "link") { LinkName = "/etc/passwd" });
        string archive = data.Write("l.tar.gz", ms.ToArray());
        FluentActions.Invoking(() => TarGz.Extract(archive, Path.Combine(data.Path, "out")))
            .Should().Throw<InvalidDataException>().WithMessage("*'link' is a SymbolicLink*");
    }

    [Fact]
    public void Tar_extraction_replaces_an_existing_folder_and_corrupt_archives_name_the_file()
    {
        using var data = new TempDir();
        string target = Path.Combine(data.Path, "out");
        data.Write("out/d/stale.txt", "old"u8.ToArray());
        string archive = data.Write("a.tar.gz", TarGzOf(("d/", null), ("d/new.txt", "new"u8.ToArray()), ("top.txt", "t"u8.ToArray())));
        TarGz.Extract(archive, target).Should().Equal("d", "top.txt");
        Directory.GetFiles(Path.Combine(target, "d")).Select(Path.GetFileName).Should().Equal("new.txt");
        File.ReadAllText(Path.Combine(target, "top.txt")).Should().Be("t");
        Directory.GetFileSystemEntries(target).Should().HaveCount(2, "the staging folder is gone");

        var bytes = File.ReadAllBytes(archive);
        string cut = data.Write("cut.tar.gz", bytes[..(bytes.Length / 2)]);
        FluentActions.Invoking(() => TarGz.Extract(cut, Path.Combine(data.Path, "out2")))
            .Should().Throw<InvalidDataException>().Which.Message.Should().StartWith(cut + ": ");
    }

    [Fact]
    public void Checksums_validate_and_hash_files()
    {
        using var data = new TempDir();
        string path = data.Write("x", "abc"u8.ToArray());
        Checksum.Md5("900150983CD24FB0D6963F7D28E17F72").Compute(path).Should().Be("900150983cd24fb0d6963f7d28e17f72");
        Checksum.Sha256(new string('a', 64)).Compute(path).Should().Be("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        FluentActions.Invoking(() => Checksum.Md5("xyz")).Should().Throw<ArgumentException>();
    }
}

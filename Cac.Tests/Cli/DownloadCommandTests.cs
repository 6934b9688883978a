using System.Security.Cryptography;
using Cac.Cli;
using Cac.Cli.Commands;
using Cac.Data;
using Cac.Tests.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>`cac download` against the loopback server (--base-url); nothing touches the internet.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class DownloadCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    // Small but valid Fashion-MNIST-shaped IDX files, gzipped, under their official names.
    private static Dictionary<string, byte[]> FakeFashionMnist() => new()
    {
        ["train-images-idx3-ubyte.gz"] = IdxFiles.Gzip(IdxFiles.Images(3, 28, 28)),
        ["train-labels-idx1-ubyte.gz"] = IdxFiles.Gzip(IdxFiles.Labels(1, 2, 3)),
        ["t10k-images-idx3-ubyte.gz"] = IdxFiles.Gzip(IdxFiles.Images(2, 28, 28)),
        ["t10k-labels-idx1-ubyte.gz"] = IdxFiles.Gzip(IdxFiles.Labels(4, 5)),
    };

    [Fact]
    public void Downloads_verify_and_place_the_files_where_the_catalog_finds_them()
    {
        using var server = new LoopbackServer();
        var files = FakeFashionMnist();
        foreach (var (name, body) in files) server.Files["mirror/" + name] = body;
        // The official file list, with the checksums of the fake files.
        var official = DatasetDownloader.Source("fashion-mnist");
        var source = official with
        {
            Files = official.Files.Select(f => f with { Checksum = Checksum.Md5(Convert.ToHexStringLower(MD5.HashData(files[f.FileName]))) }).ToList(),
        };
        var log = new StringWriter();
        using var client = LoopbackServer.Client();
        DownloadCommand.Run(new DownloadCommand.DownloadSettings("fashion-mnist", _dir.Path, server.BaseAddress + "mirror"), log, client, [source])
            .Should().Be(0);

        foreach (var (name, body) in files) File.ReadAllBytes(Path.Combine(_dir.Path, "fashion-mnist", name)).Should().Equal(body);
        Directory.GetFiles(Path.Combine(_dir.Path, "fashion-mnist"), "*.part").Should().BeEmpty();
        log.ToString().Should().Contain("t10k-labels-idx1-ubyte.gz").And.Contain("verified").And.Contain("--data " + _dir.Path);
        var test = DatasetCatalog.Open("fashion-mnist", _dir.Path, train: false);
        test.Labels.Should().Equal(4, 5);

        // A second run finds every file complete and fetches nothing.
        int requests = server.Requests.Values.Sum();
        DownloadCommand.Run(new DownloadCommand.DownloadSettings("fashion-mnist", _dir.Path, server.BaseAddress + "mirror"), TextWriter.Null, client, [source]);
        server.Requests.Values.Sum().Should().Be(requests);
    }

    [Fact]
    public void Data_that_does_not_match_the_published_checksum_is_discarded()
    {
        using var server = new LoopbackServer();
        foreach (var (name, body) in FakeFashionMnist()) server.Files[name] = body;
        using var client = LoopbackServer.Client();
        var act = () => DownloadCommand.Run(new DownloadCommand.DownloadSettings("fashion-mnist", _dir.Path, server.BaseAddress.ToString()), TextWriter.Null, client);
        act.Should().Throw<ChecksumMismatchException>().WithMessage("*train-images-idx3-ubyte.gz*MD5 checksum mismatch*8d4fb7e6c68d591d4c3dfef9ec88bf0d*");
        Directory.GetFiles(Path.Combine(_dir.Path, "fashion-mnist")).Should().BeEmpty();
    }

    [Fact]
    public void An_unreachable_server_says_the_machine_may_be_offline()
    {
        // A port nothing listens on: the connection is refused, no HTTP status comes back.
        string address;
        using (var server = new LoopbackServer()) address = server.BaseAddress.ToString();
        using var client = LoopbackServer.Client();
        var act = () => DownloadCommand.Run(new DownloadCommand.DownloadSettings("cifar10", _dir.Path, address), TextWriter.Null, client);
        act.Should().Throw<DownloadException>().WithMessage("*could not reach 127.0.0.1: are you offline?*cifar-10-binary.tar.gz*");
    }

    [Fact]
    public void An_http_error_is_reported_without_the_offline_hint()
    {
        using var server = new LoopbackServer();
        using var client = LoopbackServer.Client();
        var act = () => DownloadCommand.Run(new DownloadCommand.DownloadSettings("mnist", _dir.Path, server.BaseAddress.ToString()), TextWriter.Null, client);
        act.Should().Throw<DownloadException>().Which.Message.Should().Contain("HTTP 404").And.NotContain("offline");
        server.Requests.Keys.Should().Contain("train-images-idx3-ubyte.gz");
    }

    [Fact]
    public void Every_catalog_dataset_is_downloadable_from_an_official_https_or_http_address()
    {
        DownloadCommand.Sources.Select(s => s.Name).Should().BeEquivalentTo(
            DatasetCatalog.Names.Where(n => DatasetCatalog.Info(n) is { PaddedFrom: null, IsImageFolder: false }).Append("voc2012"),
            "derived datasets read another's files, image folders (ImageNet) are the user's own, and the segmentation dataset voc2012 is read by VocSegmentationDataset");
        var mnist = DownloadCommand.Sources.Single(s => s.Name == "mnist");
        mnist.Files.Select(f => f.FileName).Should().Equal(DatasetCatalog.FileNames);
        mnist.UrlOf(mnist.Files[0]).ToString().Should().Be("https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz");
    }

    [Theory]
    [InlineData(new string[0], "name the dataset to download")]
    [InlineData(new[] { "--dataset", "imagenet" }, "no download known for dataset 'imagenet'")]
    [InlineData(new[] { "mnist", "--dataset", "cifar10" }, "give the dataset once")]
    [InlineData(new[] { "--dataset", "mnist", "--base-url", "ftp://x/" }, "--base-url 'ftp://x/' is not an http(s) address")]
    public void Bad_arguments_are_one_line_errors(string[] args, string message)
    {
        var (code, _, stderr) = ConsoleCollection.Capture(() => Program.Main(["download", .. args, "--dir", _dir.Path]));
        code.Should().NotBe(0);
        stderr.Should().Contain(message).And.NotContain("   at ");
    }

    [Fact]
    public void The_positional_name_and_data_alias_reach_the_download()
    {
        using var server = new LoopbackServer();
        var (code, stdout, stderr) = ConsoleCollection.Capture(() => Program.Main(["download", "cifar100", "--data", _dir.Path, "--base-url", server.BaseAddress.ToString()]));
        code.Should().Be(1);
        stdout.Should().Contain("downloading cifar100").And.Contain(Path.Combine(_dir.Path, "cifar100"));
        stderr.Should().Contain("cifar-100-binary.tar.gz").And.Contain("HTTP 404");
    }

    [Fact]
    public void Voc2012_downloads_verifies_and_unpacks_its_plain_tar_where_the_voc_reader_finds_it()
    {
        // A one-image VOCtrainval archive in the official layout (VOCdevkit/VOC2012/...), uncompressed as the real one.
        string staging = Path.Combine(_dir.Path, "staging");
        string root = Path.Combine(staging, "VOCdevkit", "VOC2012");
        foreach (var folder in new[] { "JPEGImages", "SegmentationClass", Path.Combine("ImageSets", "Segmentation") })
            Directory.CreateDirectory(Path.Combine(root, folder));
        File.WriteAllBytes(Path.Combine(root, "JPEGImages", "2007_000032.jpg"), ImageFiles.RgbJpeg);
        var mask = Enumerable.Range(0, 256).Select(i => (byte)(i < 128 ? 0 : i % 16 == 0 ? 255 : 15)).ToArray();
        PalettePng.Write(Path.Combine(root, "SegmentationClass", "2007_000032.png"), mask, 16, 16, VocPalette.Rgb);
        File.WriteAllText(Path.Combine(root, "ImageSets", "Segmentation", "train.txt"), "2007_000032\n");
        var archive = new MemoryStream();
        System.Formats.Tar.TarFile.CreateFromDirectory(staging, archive, includeBaseDirectory: false);
        byte[] tar = archive.ToArray();

        using var server = new LoopbackServer();
        server.Files["VOCtrainval_11-May-2012.tar"] = tar;
        var official = DatasetDownloader.Source("voc2012");
        official.Files.Should().ContainSingle().Which.Checksum.Should().Be(Checksum.Md5("6cd6e144f989b92b3379bac3b3de84fd"));
        var source = official with { Files = [official.Files[0] with { Checksum = Checksum.Md5(Convert.ToHexStringLower(MD5.HashData(tar))) }] };
        using var client = LoopbackServer.Client();
        DownloadCommand.Run(new DownloadCommand.DownloadSettings("voc2012", _dir.Path, server.BaseAddress.ToString()), TextWriter.Null, client, [source])
            .Should().Be(0);

        var dataset = new VocSegmentationDataset(Path.Combine(_dir.Path, "voc2012"), "train");
        dataset.Count.Should().Be(1);
        dataset.Read(0).Mask.Should().Equal(mask);

        // The published checksum rejects other bytes.
        var act = () => DownloadCommand.Run(new DownloadCommand.DownloadSettings("voc2012", Path.Combine(_dir.Path, "other"), server.BaseAddress.ToString()), TextWriter.Null, client);
        act.Should().Throw<ChecksumMismatchException>().WithMessage("*VOCtrainval_11-May-2012.tar*6cd6e144f989b92b3379bac3b3de84fd*");
    }
}

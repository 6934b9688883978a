using System.CommandLine;
using System.Text;
using Cac.Cli.Datasets;
using Cac.Data;

namespace Cac.Cli.Commands;

/// <summary>
/// `cac make-dataset fashion-mnist-folder --out DIR [--size 64]`: Fashion-MNIST in ImageNet's layout, for the
/// image-folder pipeline (`--dataset imagefolder --data DIR`) on a machine without ImageNet: DIR/train/&lt;class&gt;/*.jpg
/// (the 60,000 training images) and DIR/val/&lt;class&gt;/*.jpg (the 10,000 test images), upscaled to size x size
/// (<see cref="ImageFolderWriter"/>). Class folders are "00-t-shirt-top" ... "09-ankle-boot", so their ordinal order is
/// Fashion-MNIST's label order. Deterministic: the same files give the same bytes. A subcommand of
/// <see cref="MakeDatasetCommand"/>.
/// </summary>
internal static class MakeFashionMnistFolderCommand
{
    /// <summary>The Fashion-MNIST class folders, in label order: the two-digit label and the name in lower case, '-' for anything but letters and digits.</summary>
    internal static IReadOnlyList<string> ClassFolders { get; } = DatasetCatalog.Info("fashion-mnist").ClassNames.Select(Folder).ToArray();

    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "The directory to create: DIR/train and DIR/val must not exist yet", Required = true };
        var size = new Option<int>("--size") { Description = "Side of the written images in pixels (bilinear upscaling of the 28 x 28 originals)", DefaultValueFactory = _ => 64 };
        var data = new Option<string?>("--data") { Description = "Directory holding the Fashion-MNIST files (default: /usr/share/datasets/fashion-mnist)" };
        var limit = new Option<int?>("--limit") { Description = "Write only the first N images of each split" };
        var command = new Command("fashion-mnist-folder", "Fashion-MNIST as upscaled JPEGs in ImageNet's layout (DIR/train/<class>, DIR/val/<class>)")
        {
            output, size, data, limit,
        };
        command.SetAction(parse => Run(SettingsFrom(parse), Console.Out));
        return command;
    }

    /// <summary>The settings of a parsed `cac make-dataset fashion-mnist-folder` command line (options left out take their defaults).</summary>
    internal static Settings SettingsFrom(ParseResult parse) => new(
        Out: parse.GetValue<string>("--out")!,
        Size: parse.GetValue<int>("--size"),
        DataDir: parse.GetValue<string?>("--data"),
        Limit: parse.GetValue<int?>("--limit"));

    /// <summary>The command's options.</summary>
    internal sealed record Settings(string Out, int Size = 64, string? DataDir = null, int? Limit = null);

    /// <summary>Writes both splits; returns 0.</summary>
    internal static int Run(Settings s, TextWriter log)
    {
        if (s.Size < 1) throw new ArgumentException($"--size must be at least 1, got {s.Size}");
        if (s.Limit is < 1) throw new ArgumentException($"--limit must be at least 1, got {s.Limit}");
        foreach (var split in new[] { "train", "val" })
        {
            string dir = Path.Combine(s.Out, split);
            if (Directory.Exists(dir)) throw new IOException($"{dir} already exists; remove it or choose another --out");
        }
        foreach (var (split, train) in new[] { ("train", true), ("val", false) })
        {
            var source = DatasetCatalog.Load("fashion-mnist", s.DataDir, train);
            string dir = Path.Combine(s.Out, split);
            int written = ImageFolderWriter.Write(source, ClassFolders, dir, s.Size, s.Limit ?? source.Count);
            log.WriteLine($"wrote {written} {s.Size} x {s.Size} JPEG(s) to {dir}");
        }
        log.WriteLine($"read it with --dataset imagefolder --data {s.Out}");
        return 0;
    }

    private static string Folder(string name, int label)
    {
        var slug = new StringBuilder();
        foreach (char ch in name.ToLowerInvariant()) slug.Append(char.IsAsciiLetterOrDigit(ch) ? ch : '-');
        return $"{label:D2}-{slug}";
    }
}

using System.CommandLine;
using Cac.Data;
using SkiaSharp;

namespace Cac.Cli.Commands;

/// <summary>
/// `cac make-dataset fashion-mnist-seg --out DIR [--seed S]`: writes <see cref="FashionMnistSegmentation"/>'s canvases in
/// PASCAL VOC's layout (DIR/JPEGImages/ID.jpg, DIR/SegmentationClass/ID.png as a VOC-palette PNG, and
/// DIR/ImageSets/Segmentation/train.txt and val.txt), so <see cref="VocSegmentationDataset"/> reads it as it reads VOC.
/// Training canvases take their items from Fashion-MNIST's training images, validation canvases from its test images.
/// Images are JPEG at quality 95 (the labels come from the lossless PNGs).
/// <para>
/// Other datasets are subcommands: `cac make-dataset fashion-mnist-folder` (<see cref="MakeFashionMnistFolderCommand"/>).
/// </para>
/// </summary>
internal static class MakeDatasetCommand
{
    /// <summary>The datasets this command makes.</summary>
    internal const string FashionMnistSeg = "fashion-mnist-seg";

    /// <summary>The options: the dataset, the output folder, the seed, the split sizes and where Fashion-MNIST is.</summary>
    internal sealed record MakeDatasetSettings(string Dataset, string Out, int Seed = 0, int Train = 2000, int Val = 500, string? DataDir = null);

    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = $"Dataset to make: {FashionMnistSeg}" };
        var output = new Option<string>("--out") { Description = "Folder to write the dataset into (VOC layout)", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the canvases (same seed, same files)", DefaultValueFactory = _ => 0 };
        var train = new Option<int>("--train") { Description = "Training canvases", DefaultValueFactory = _ => 2000 };
        var val = new Option<int>("--val") { Description = "Validation canvases", DefaultValueFactory = _ => 500 };
        var data = new Option<string?>("--data") { Description = "Directory holding fashion-mnist (default: /usr/share/datasets/fashion-mnist)" };
        var command = new Command("make-dataset", $"Write a synthetic segmentation dataset in PASCAL VOC's layout ({FashionMnistSeg}: 96 x 96 canvases of 1-4 Fashion-MNIST items, 11 classes)")
        {
            name, output, seed, train, val, data,
        };
        command.Subcommands.Add(MakeFashionMnistFolderCommand.Create());
        command.SetAction(parse => Run(new MakeDatasetSettings(parse.GetValue(name)!, parse.GetValue(output)!, parse.GetValue(seed),
            parse.GetValue(train), parse.GetValue(val), parse.GetValue(data)), Console.Out));
        return command;
    }

    internal static int Run(MakeDatasetSettings s, TextWriter log)
    {
        if (!string.Equals(s.Dataset, FashionMnistSeg, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"no synthetic dataset '{s.Dataset}'; known: {FashionMnistSeg} (and the subcommand fashion-mnist-folder)");
        if (s.Train < 1 || s.Val < 1) throw new ArgumentException($"--train and --val must be at least 1, got {s.Train} and {s.Val}");
        foreach (var folder in new[] { "JPEGImages", "SegmentationClass", Path.Combine("ImageSets", "Segmentation") })
            Directory.CreateDirectory(Path.Combine(s.Out, folder));
        var generator = new Generator(s.Seed);
        foreach (var (split, count, train) in new[] { ("train", s.Train, true), ("val", s.Val, false) })
        {
            var items = DatasetCatalog.Open("fashion-mnist", s.DataDir, train);
            var ids = new List<string>(count);
            foreach (var sample in FashionMnistSegmentation.Generate(items, count, generator))
            {
                string id = $"{split}_{ids.Count:D5}";
                WriteJpeg(Path.Combine(s.Out, "JPEGImages", id + ".jpg"), sample);
                PalettePng.Write(Path.Combine(s.Out, "SegmentationClass", id + ".png"), sample.Mask, sample.Width, sample.Height, VocPalette.Rgb);
                ids.Add(id);
            }
            File.WriteAllLines(Path.Combine(s.Out, "ImageSets", "Segmentation", split + ".txt"), ids);
        }
        log.WriteLine($"{FashionMnistSeg}: {s.Train} training and {s.Val} validation canvases ({FashionMnistSegmentation.CanvasSize} x {FashionMnistSegmentation.CanvasSize}, " +
                      $"{FashionMnistSegmentation.ClassCount} classes, seed {s.Seed}) in {Path.GetFullPath(s.Out)}");
        return 0;
    }

    // The sample's image (3, H, W) in [0, 1] as an RGB JPEG.
    private static void WriteJpeg(string path, SegmentationSample sample)
    {
        int h = sample.Height, w = sample.Width, plane = h * w;
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var pixels = new byte[4 * plane];
        for (int p = 0; p < plane; p++)
        {
            for (int c = 0; c < 3; c++) pixels[4 * p + c] = (byte)Math.Clamp(Math.Round(sample.Image[c * plane + p] * 255), 0, 255);
            pixels[4 * p + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 95);
        using var file = File.Create(path);
        data.SaveTo(file);
    }
}

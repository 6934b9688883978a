using Cac.Cli.Datasets;
using Cac.Data;

namespace Cac.Cli.Bench;

/// <summary>
/// imagefolder_decode_img_s: the ImageNet training input pipeline's throughput, images per second: JPEG decode,
/// RandomResizedCrop(224), horizontal flip and normalisation, batch 256, 2 loader workers, read by a
/// <see cref="StreamingImageFolderDataset"/> from files written for the run into a temporary directory (deleted after):
/// <see cref="FileCount"/> RGB JPEGs of ImageNet's typical 500 x 375 pixels (quality 95), smooth gradients with a
/// seeded texture so that they compress like photographs rather than noise. One timed run is one epoch over all files.
/// </summary>
internal static class ImageFolderLoaderBenchmark
{
    /// <summary>The benchmark's name.</summary>
    public const string Name = "imagefolder_decode_img_s";

    private const int Batch = 256, Workers = 2, Width = 500, Height = 375;

    /// <summary>Files per epoch: two batches.</summary>
    public const int FileCount = 2 * Batch;

    /// <summary>Writes the files, times <paramref name="repeats"/> epochs after <paramref name="warmup"/>, deletes the files.</summary>
    public static BenchResult Run(int warmup, int repeats)
    {
        string root = Path.Combine(Path.GetTempPath(), "cac-bench-imagefolder-" + Guid.NewGuid().ToString("N"));
        try
        {
            WriteFiles(Path.Combine(root, "train"));
            var dataset = StreamingImageFolderDataset.Open(Path.Combine(root, "train"));
            var info = DatasetCatalog.Info("imagenet");
            var loader = new DataLoader(dataset, Batch, shuffle: true, transform: Compose.Chain([.. info.TrainAugmentation(), info.Normalize()]),
                workers: Workers);
            int epoch = 0;
            var seconds = Timing.Summarize(() =>
            {
                foreach (var batch in loader.Epoch(epoch++)) batch.Dispose();
            }, warmup, repeats);
            return BenchResult.FromTiming(Name, seconds, t => FileCount / t, "img/s");
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    // FileCount JPEGs in two class folders.
    private static void WriteFiles(string dir)
    {
        var shape = new ImageShape(3, Height, Width);
        Parallel.For(0, FileCount, i =>
        {
            string classDir = Path.Combine(dir, $"class{i % 2}");
            Directory.CreateDirectory(classDir);
            File.WriteAllBytes(Path.Combine(classDir, $"{i:D4}.jpg"), JpegEncoder.Encode(Picture(i, shape), shape));
        });
    }

    // Image i: per-channel gradients in a direction that depends on i, plus a seeded texture of amplitude 0.1.
    private static float[] Picture(int i, ImageShape shape)
    {
        var generator = new Generator(i);
        var pixels = new float[shape.Length];
        int plane = shape.Height * shape.Width;
        for (int c = 0; c < 3; c++)
        {
            double angle = (i * 0.7 + c * 2.1) % (2 * Math.PI);
            float dx = (float)Math.Cos(angle) / shape.Width, dy = (float)Math.Sin(angle) / shape.Height;
            for (int y = 0; y < shape.Height; y++)
                for (int x = 0; x < shape.Width; x++)
                    pixels[c * plane + y * shape.Width + x] = Math.Clamp(0.5f + 0.4f * (x * dx + y * dy) + 0.1f * (float)(generator.NextDouble() - 0.5), 0f, 1f);
        }
        return pixels;
    }
}

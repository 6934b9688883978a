using Cac.Data;
using Cac.Nn;

namespace Cac.Cli.Reports;

/// <summary>One content-aware layer's hard mask for one image: (Height, Width), 1 = sharp, row-major.</summary>
/// <param name="Layer">The layer's dotted module name.</param>
/// <param name="Mask">Height * Width values, 0 or 1.</param>
/// <param name="Height">Output rows Ho.</param>
/// <param name="Width">Output columns Wo.</param>
public sealed record LayerMask(string Layer, float[] Mask, int Height, int Width)
{
    /// <summary>The fraction of this image's windows that are sharp.</summary>
    public double SharpRatio => Mask.Length == 0 ? double.NaN : Mask.Average(v => (double)v);
}

/// <summary>One captured test image: its dataset index, label, prediction, and every content-aware layer's mask.</summary>
public sealed record CapturedImage(int Index, int Label, int Predicted, IReadOnlyList<LayerMask> Masks);

/// <summary>One content-aware layer's sharp ratio over the whole pass: sharp windows / windows.</summary>
public sealed record LayerSharpRatio(string Layer, double SharpRatio, long SharpWindows, long Windows);

/// <summary>The result of <see cref="MaskCapture.Run"/>.</summary>
/// <param name="Images">The first N images with their masks, in loader order.</param>
/// <param name="Layers">Each content-aware layer's sharp ratio over every image of the pass, in network order.</param>
/// <param name="Samples">Images evaluated.</param>
/// <param name="Accuracy">Top-1 accuracy over them.</param>
public sealed record MaskCaptureResult(IReadOnlyList<CapturedImage> Images, IReadOnlyList<LayerSharpRatio> Layers, int Samples, double Accuracy);

/// <summary>
/// An evaluation pass of a content-aware model (eval mode, no gradients) that keeps the hard masks of the first
/// images (the paper's Fig. 3) and accumulates every CAC layer's sharp ratio over the whole pass (Fig. 4).
/// </summary>
public static class MaskCapture
{
    /// <summary>The content-aware layers of <paramref name="model"/> with their dotted names, in network order.</summary>
    public static IReadOnlyList<(string Name, ContentAwareConv2d Layer)> Layers(Module model) =>
        model.NamedModules().Where(m => m.Module is ContentAwareConv2d).Select(m => (m.Name, (ContentAwareConv2d)m.Module)).ToList();

    /// <summary>Runs <paramref name="model"/> over <paramref name="loader"/>, capturing the masks of the first <paramref name="images"/> images.</summary>
    /// <exception cref="ArgumentException">The model has no content-aware layer.</exception>
    public static MaskCaptureResult Run(Module model, DataLoader loader, int images)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loader);
        if (images < 0) throw new ArgumentException($"MaskCapture: the number of images must be >= 0, got {images}");
        var layers = Layers(model);
        if (layers.Count == 0) throw new ArgumentException("MaskCapture: the model has no content-aware (ContentAwareConv2d) layer");

        model.Eval();
        foreach (var (_, layer) in layers) layer.ResetSharpRatio();
        var captured = new List<CapturedImage>();
        int seen = 0;
        long correct = 0;
        using (Autograd.NoGrad())
        {
            foreach (var batch in loader.Epoch(0))
            {
                var logits = model.Forward(batch.Images);                       // (B, classes)
                int[] predicted = ArgMax(logits.ToFloatArray(), batch.Size, logits.Size(1));
                int[] labels = batch.Indices.Select(loader.Dataset.Label).ToArray();
                for (int i = 0; i < batch.Size; i++) if (predicted[i] == labels[i]) correct++;
                int keep = Math.Min(batch.Size, images - captured.Count);
                if (keep > 0)
                {
                    // Each layer's LastMask: (B, 1, Ho, Wo), this batch's.
                    var masks = layers.Select(l => (l.Name, Mask: l.Layer.LastMask!, Values: l.Layer.LastMask!.ToFloatArray())).ToList();
                    for (int i = 0; i < keep; i++)
                        captured.Add(new CapturedImage(batch.Indices[i], labels[i], predicted[i], masks.Select(m => Slice(m.Name, m.Mask, m.Values, i)).ToList()));
                }
                seen += batch.Size;
                batch.Dispose();
            }
        }
        var ratios = layers.Select(l => new LayerSharpRatio(l.Name, l.Layer.AccumulatedSharpRatio, l.Layer.SharpCount, l.Layer.PositionCount)).ToList();
        return new MaskCaptureResult(captured, ratios, seen, seen == 0 ? double.NaN : (double)correct / seen);
    }

    // mask: (B, 1, Ho, Wo); sample i's plane.
    private static LayerMask Slice(string name, Tensor mask, float[] values, int i)
    {
        int ho = mask.Size(2), wo = mask.Size(3);
        return new LayerMask(name, values.AsSpan(i * ho * wo, ho * wo).ToArray(), ho, wo);
    }

    // scores: (n, classes) row-major; the first maximum of each row.
    private static int[] ArgMax(float[] scores, int n, int classes)
    {
        var best = new int[n];
        for (int i = 0; i < n; i++)
        {
            var row = scores.AsSpan(i * classes, classes);
            for (int j = 1; j < classes; j++) if (row[j] > row[best[i]]) best[i] = j;
        }
        return best;
    }
}

using System.Diagnostics;
using Cac.Data;
using Cac.Madds;
using Cac.Metrics;
using Cac.Models.Segmentation;
using Cac.Nn;
using Cac.Optim;

namespace Cac.Cli.Training;

/// <summary>One segmentation training epoch's mean loss, time and speed.</summary>
/// <param name="Loss">Mean per-pixel cross-entropy (the main output; the auxiliary head's term excluded).</param>
/// <param name="Seconds">Wall time.</param>
/// <param name="ImagesPerSecond">Training images per second.</param>
public readonly record struct SegmentationEpochResult(double Loss, double Seconds, double ImagesPerSecond);

/// <summary>A segmentation evaluation: the confusion over every pixel and the MAdds per image that actually ran.</summary>
/// <param name="Confusion">The confusion matrix of the pass (255 skipped).</param>
/// <param name="Madds">MAdds per image measured in the pass (content-aware layers at their sharp ratios, region layers at their hard share).</param>
public sealed record SegmentationEvaluation(SegmentationConfusion Confusion, double Madds);

/// <summary>
/// Trains and evaluates a segmentation model: each step minimises <see cref="Ops.PixelCrossEntropy"/> of the logits (N,
/// classes, H, W) (through the cost-aware objective for content-aware models), plus, for the region cascade,
/// <see cref="AuxiliaryWeight"/> times the auxiliary head's own loss (deep supervision of the first stage, as torchvision's
/// FCN recipe weighs its auxiliary classifier); evaluation counts every pixel's arg-max into a
/// <see cref="SegmentationConfusion"/> and measures MAdds on the same forward passes.
/// </summary>
public sealed class SegmentationTrainer(Module model, Optimizer optimizer, int classes, Func<Tensor, Tensor>? objective = null, LrScheduler? batchScheduler = null)
{
    /// <summary>The weight of the region cascade's auxiliary loss.</summary>
    public const double AuxiliaryWeight = 0.5;

    /// <summary>The model trained.</summary>
    public Module Model { get; } = model;

    /// <summary>Runs one epoch of <paramref name="loader"/>; <paramref name="onBatch"/> sees (batch, batches, mean loss so far).</summary>
    public SegmentationEpochResult TrainEpoch(SegmentationLoader loader, int epoch, Action<int, int, double>? onBatch = null)
    {
        Model.Train();
        var clock = Stopwatch.StartNew();
        double lossSum = 0;
        long seen = 0;
        int index = 0;
        foreach (var batch in loader.Epoch(epoch))
        {
            double loss = Step(batch);
            if (!double.IsFinite(loss))
                throw new InvalidOperationException($"training diverged: the loss of batch {index + 1} of epoch {epoch + 1} is {loss} (try a lower --lr)");
            lossSum += loss * batch.Size;
            seen += batch.Size;
            onBatch?.Invoke(++index, loader.Count, lossSum / seen);
        }
        double seconds = clock.Elapsed.TotalSeconds;
        return new SegmentationEpochResult(lossSum / Math.Max(seen, 1), seconds, seen / seconds);
    }

    private double Step(SegmentationBatch batch)
    {
        using var step = TensorScope.Begin();
        var logits = Model.Forward(batch.Images);                        // (N, classes, H, W)
        var loss = Ops.PixelCrossEntropy(logits, batch.Labels);
        var total = objective is null ? loss : objective(loss);
        if (Model is RegionCascadeFcn { LastAuxiliaryLogits: { } aux })
            total = Ops.Add(total, Ops.Affine(Ops.PixelCrossEntropy(aux, batch.Labels), AuxiliaryWeight, 0));
        optimizer.ZeroGrad();
        total.Backward();
        optimizer.Step();
        batchScheduler?.Step();
        return loss.Item();
    }

    /// <summary>Evaluates <see cref="Model"/> on every batch of <paramref name="loader"/> (<see cref="Evaluate(Module, SegmentationLoader, int)"/>).</summary>
    public SegmentationEvaluation Evaluate(SegmentationLoader loader) => Evaluate(Model, loader, classes);

    /// <summary>Evaluates <paramref name="model"/> on every batch of <paramref name="loader"/> in evaluation mode, without gradients.</summary>
    public static SegmentationEvaluation Evaluate(Module model, SegmentationLoader loader, int classes)
    {
        model.Eval();
        using var noGrad = Autograd.NoGrad();
        var confusion = new SegmentationConfusion(classes);
        double madds = 0;
        long images = 0;
        foreach (var batch in loader.Epoch(0))
        {
            using var scope = TensorScope.Begin();
            using (var count = MaddsScope.Begin())
            {
                var logits = model.Forward(batch.Images);
                madds += count.Entries.Sum(e => e.Madds) * batch.Size;
                confusion.Add(batch.Labels.ToIntArray(), PixelArgmax(logits));
            }
            images += batch.Size;
        }
        return new SegmentationEvaluation(confusion, madds / Math.Max(images, 1));
    }

    /// <summary>The class of highest logit of every pixel: logits (N, classes, H, W) -> (N * H * W) class indices.</summary>
    public static int[] PixelArgmax(Tensor logits)
    {
        int n = logits.Dims[0], classes = logits.Dims[1], plane = logits.Dims[2] * logits.Dims[3];
        var scores = logits.ToFloatArray();
        var predictions = new int[n * plane];
        for (int i = 0; i < n; i++)
            for (int p = 0; p < plane; p++)
            {
                int best = 0;
                for (int c = 1; c < classes; c++)
                    if (scores[(i * classes + c) * plane + p] > scores[(i * classes + best) * plane + p]) best = c;
                predictions[i * plane + p] = best;
            }
        return predictions;
    }
}

using System.Diagnostics;
using Cac.Data;
using Cac.Nn;
using Cac.Optim;

namespace Cac.Cli.Training;

/// <summary>Progress of the running epoch after a batch: running means over the batches so far.</summary>
public readonly record struct BatchProgress(int Batch, int Batches, double Loss, double Accuracy, double ImagesPerSecond);

/// <summary>The outcome of one training epoch.</summary>
public readonly record struct EpochResult(double Loss, double Accuracy, double Seconds, double ImagesPerSecond);

/// <summary>
/// Supervised classification training: softmax cross-entropy, one optimizer step per batch.
/// Knows nothing about the console; callers observe progress through a callback.
/// An optional <paramref name="objective"/> maps the batch's cross-entropy to the loss that is minimised (for example
/// the cost-aware objective of content-aware models); the reported loss is always the cross-entropy.
/// A <paramref name="batchScheduler"/>, when given, steps after every optimizer step (per-iteration schedules).
/// <paramref name="inputs"/>, when given, makes the images each step trains on from its batch (adversarial training: the
/// batch's PGD examples); they are created inside the step and released with it.
/// </summary>
public sealed class Trainer(Module model, Optimizer optimizer, Func<Tensor, Tensor>? objective = null, LrScheduler? batchScheduler = null,
    Func<Batch, Tensor>? inputs = null)
{
    /// <summary>The model being trained.</summary>
    public Module Model { get; } = model;

    /// <summary>Runs one pass over <paramref name="loader"/> in training mode.</summary>
    public EpochResult TrainEpoch(DataLoader loader, int epoch, Action<BatchProgress>? onBatch = null)
    {
        Model.Train();
        var clock = Stopwatch.StartNew();
        double lossSum = 0;
        long correct = 0, seen = 0;
        int batchIndex = 0, batches = loader.Count;
        foreach (var batch in loader.Epoch(epoch))
        {
            var (batchLoss, batchCorrect) = Step(batch);
            int n = batch.Size;
            batch.Dispose(); // its memory goes back to the backend's pool for the next batch
            if (!double.IsFinite(batchLoss))
                throw new InvalidOperationException($"training diverged: the loss of batch {batchIndex + 1} of epoch {epoch + 1} is {batchLoss} (try a lower --lr)");
            lossSum += batchLoss * n;
            correct += batchCorrect;
            seen += n;
            batchIndex++;
            onBatch?.Invoke(new BatchProgress(batchIndex, batches, lossSum / seen, (double)correct / seen, seen / clock.Elapsed.TotalSeconds));
        }
        double seconds = clock.Elapsed.TotalSeconds;
        return new EpochResult(lossSum / Math.Max(seen, 1), (double)correct / Math.Max(seen, 1), seconds, seen / seconds);
    }

    // One optimizer step; returns the batch's cross-entropy and correct count. The step's graph and temporaries live only
    // in here: the scope releases them (back to the backend's pool) before the next batch.
    private (double Loss, long Correct) Step(Batch batch)
    {
        using var step = TensorScope.Begin();
        var images = inputs is null ? batch.Images : inputs(batch);
        var labels = batch.Labels;
        var logits = Model.Forward(images);
        var loss = Ops.CrossEntropy(logits, labels);
        optimizer.ZeroGrad();
        (objective is null ? loss : objective(loss)).Backward();
        optimizer.Step();
        batchScheduler?.Step();
        return (loss.Item(), CountCorrect(logits, labels));
    }

    /// <summary>
    /// Top-1 and top-5 accuracy over <paramref name="loader"/> in evaluation mode, without recording a graph (top-5 null
    /// for fewer than 5 classes).
    /// </summary>
    public TestAccuracy Evaluate(DataLoader loader)
    {
        Model.Eval();
        using var _ = Autograd.NoGrad();
        long correct = 0, topK = 0, seen = 0;
        int classes = 0;
        foreach (var batch in loader.Epoch(0))
        {
            using (TensorScope.Begin())
            {
                var logits = Model.Forward(batch.Images); // (N, classes)
                classes = logits.Size(1);
                correct += CountCorrect(logits, batch.Labels);
                var scores = logits.ToFloatArray();
                var truth = batch.Labels.ToIntArray();
                for (int i = 0; i < truth.Length; i++)
                    if (ScoreRank.Of(scores.AsSpan(i * classes, classes), truth[i]) < ScoreRank.TopK) topK++;
            }
            seen += batch.Size;
            batch.Dispose();
        }
        seen = Math.Max(seen, 1);
        return new TestAccuracy((double)correct / seen, classes >= ScoreRank.TopK ? (double)topK / seen : null);
    }

    // logits: (N, classes), labels: Int32 (N).
    private static long CountCorrect(Tensor logits, Tensor labels)
    {
        var scores = logits.ToFloatArray();
        var truth = labels.ToIntArray();
        int classes = logits.Size(1);
        long correct = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            var row = scores.AsSpan(i * classes, classes);
            int best = 0;
            for (int j = 1; j < classes; j++) if (row[j] > row[best]) best = j;
            if (best == truth[i]) correct++;
        }
        return correct;
    }
}

/// <summary>A test pass's accuracy: top-1, and top-5 (null for fewer than 5 classes).</summary>
/// <param name="Top1">Share of samples whose highest score is the true class.</param>
/// <param name="Top5">Share whose true class is among the five highest scores.</param>
public sealed record TestAccuracy(double Top1, double? Top5);

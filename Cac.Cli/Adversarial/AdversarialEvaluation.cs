using System.Diagnostics;
using Cac.Adversarial;
using Cac.Data;
using Cac.Nn;

namespace Cac.Cli.Adversarial;

/// <summary>Clean and adversarial top-1 hits of one model over a pass.</summary>
/// <param name="Clean">Images classified correctly as they are.</param>
/// <param name="Adversarial">Images classified correctly after the attack.</param>
public sealed record AttackHits(long Clean, long Adversarial);

/// <summary>
/// The outcome of <see cref="AdversarialEvaluation.Run"/>: per target model its hits, the images attacked, the seconds the
/// pass took, and the first batch's images, adversarial images and predictions (for a figure).
/// </summary>
public sealed record AttackPass(IReadOnlyList<AttackHits> Hits, long Images, double Seconds, AttackSample? FirstBatch)
{
    /// <summary>Clean accuracy of target <paramref name="target"/>.</summary>
    public double CleanAccuracy(int target = 0) => (double)Hits[target].Clean / Math.Max(Images, 1);

    /// <summary>Accuracy of target <paramref name="target"/> on the adversarial images.</summary>
    public double AdversarialAccuracy(int target = 0) => (double)Hits[target].Adversarial / Math.Max(Images, 1);
}

/// <summary>One batch kept for a figure: pixels (N, C, H, W) flattened, labels and the first target's predictions.</summary>
public sealed record AttackSample(float[] Clean, float[] Adversarial, int[] Labels, int[] CleanPredicted, int[] AdversarialPredicted);

/// <summary>
/// Attacks every batch of a loader of raw pixels with one model (the source) and classifies the clean and the adversarial
/// images with each target model: the source alone for a white-box attack (`cac attack`), or the source and another model
/// for a transfer attack (examples crafted on the standard network, evaluated on the CAC network, and vice versa). Every
/// model takes pixels in [0, 1] (<see cref="InputNormalization.Wrap"/>) and runs in evaluation mode.
/// </summary>
public static class AdversarialEvaluation
{
    /// <summary>Runs the pass; <paramref name="pixels"/> yields (N, C, H, W) images in [0, 1] (a loader without normalisation).</summary>
    public static AttackPass Run(Module source, IReadOnlyList<Module> targets, DataLoader pixels, AttackMethod method, AttackOptions options,
        Generator generator, Action<int, int>? onBatch = null)
    {
        source.Eval();
        foreach (var t in targets) t.Eval();
        var clean = new long[targets.Count];
        var robust = new long[targets.Count];
        long seen = 0;
        AttackSample? first = null;
        int index = 0;
        var clock = Stopwatch.StartNew();
        foreach (var batch in pixels.Epoch(0))
        {
            using (TensorScope.Begin())
            {
                var adversarial = Attacks.Run(method, source, batch.Images, batch.Labels, options, generator); // (N, C, H, W)
                var labels = batch.Labels.ToIntArray();
                using var noGrad = Autograd.NoGrad();
                for (int t = 0; t < targets.Count; t++)
                {
                    var before = Predictions(targets[t].Forward(batch.Images));
                    var after = Predictions(targets[t].Forward(adversarial));
                    clean[t] += Hits(before, labels);
                    robust[t] += Hits(after, labels);
                    if (first is null && t == 0)
                        first = new AttackSample(batch.Images.ToFloatArray(), adversarial.ToFloatArray(), labels, before, after);
                }
            }
            seen += batch.Size;
            batch.Dispose();
            onBatch?.Invoke(++index, pixels.Count);
        }
        var hits = Enumerable.Range(0, targets.Count).Select(t => new AttackHits(clean[t], robust[t])).ToList();
        return new AttackPass(hits, seen, clock.Elapsed.TotalSeconds, first);
    }

    // logits (N, classes) -> argmax per row (the first of equal scores).
    private static int[] Predictions(Tensor logits)
    {
        var scores = logits.ToFloatArray();
        int classes = logits.Size(1);
        var best = new int[logits.Size(0)];
        for (int i = 0; i < best.Length; i++)
        {
            var row = scores.AsSpan(i * classes, classes);
            for (int j = 1; j < classes; j++) if (row[j] > row[best[i]]) best[i] = j;
        }
        return best;
    }

    private static long Hits(int[] predicted, int[] labels) => predicted.Zip(labels).LongCount(p => p.First == p.Second);
}

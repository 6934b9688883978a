using Cac.Gpu;
using MathNet.Numerics.Statistics;
using System.Diagnostics;

namespace Cac.Cli.Bench;

/// <summary>
/// The spread of one action's timed runs, in seconds: the median and the lower and upper quartiles.
/// </summary>
/// <param name="Median">The middle run's time, or the mean of the two middle times for an even count.</param>
/// <param name="LowerQuartile">The first quartile (MathNet's R8 quantile definition, see <see cref="Timing.Summarize(double[])"/>).</param>
/// <param name="UpperQuartile">The third quartile (R8).</param>
public readonly record struct TimingSummary(double Median, double LowerQuartile, double UpperQuartile);

/// <summary>Median wall time (and quartiles) of repeated runs after warm-up.</summary>
public static class Timing
{
    /// <summary>Runs <paramref name="action"/> <paramref name="warmup"/> times untimed, then <paramref name="repeats"/> timed; returns the median in seconds.</summary>
    public static double MedianSeconds(Action action, int warmup, int repeats) => MedianSeconds([action], warmup, repeats)[0];

    /// <summary>
    /// Times several actions interleaved: each round runs every action once in turn, so a change in machine load
    /// between rounds affects all of them alike (what a ratio of two timings needs). Returns each action's median.
    /// </summary>
    public static double[] MedianSeconds(IReadOnlyList<Action> actions, int warmup, int repeats) =>
        Summarize(actions, warmup, repeats).Select(s => s.Median).ToArray();

    /// <summary>Runs <paramref name="action"/> as <see cref="MedianSeconds(Action, int, int)"/> does; returns the median and quartiles in seconds.</summary>
    public static TimingSummary Summarize(Action action, int warmup, int repeats) => Summarize([action], warmup, repeats)[0];

    /// <summary>Times several actions interleaved, as <see cref="MedianSeconds(IReadOnlyList{Action}, int, int)"/>; returns each action's median and quartiles.</summary>
    public static TimingSummary[] Summarize(IReadOnlyList<Action> actions, int warmup, int repeats)
    {
        for (int i = 0; i < warmup; i++) foreach (var action in actions) action();
        var times = new double[actions.Count][];
        for (int a = 0; a < actions.Count; a++) times[a] = new double[Math.Max(1, repeats)];
        for (int i = 0; i < times[0].Length; i++)
            for (int a = 0; a < actions.Count; a++)
            {
                long start = Stopwatch.GetTimestamp();
                actions[a]();
                times[a][i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
        return times.Select(Summarize).ToArray();
    }

    /// <summary>
    /// The median and quartiles of some times (left unchanged), with MathNet.Numerics' <see cref="SortedArrayStatistics"/>
    /// on a sorted copy. Median: the middle value, or for an even count the mean of the two middle values, (a + b) / 2.
    /// Quartiles: the R8 quantile (Hyndman and Fan's definition 8, approximately median-unbiased; MathNet's default), which
    /// interpolates linearly between order statistics. Throws on an empty array.
    /// </summary>
    public static TimingSummary Summarize(double[] times)
    {
        if (times.Length == 0) throw new ArgumentException("Timing.Summarize: no times to summarise", nameof(times));
        var sorted = (double[])times.Clone();
        Array.Sort(sorted);
        return new TimingSummary(SortedArrayStatistics.Median(sorted), SortedArrayStatistics.LowerQuartile(sorted),
            SortedArrayStatistics.UpperQuartile(sorted));
    }

    /// <summary>Waits for the queued kernels of an ILGPU device (they run asynchronously); nothing on the CPU.</summary>
    public static void WaitFor(Device device)
    {
        if (device.Backend is GpuBackend gpu) gpu.Synchronize();
    }
}

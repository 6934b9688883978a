using Cac.Gpu;
using System.Diagnostics;

namespace Cac.Cli.Bench;

/// <summary>Median wall time of repeated runs after warm-up.</summary>
public static class Timing
{
    /// <summary>Runs <paramref name="action"/> <paramref name="warmup"/> times untimed, then <paramref name="repeats"/> timed; returns the median in seconds.</summary>
    public static double MedianSeconds(Action action, int warmup, int repeats) => MedianSeconds([action], warmup, repeats)[0];

    /// <summary>
    /// Times several actions interleaved: each round runs every action once in turn, so a change in machine load
    /// between rounds affects all of them alike (what a ratio of two timings needs). Returns each action's median.
    /// </summary>
    public static double[] MedianSeconds(IReadOnlyList<Action> actions, int warmup, int repeats)
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
        return times.Select(Median).ToArray();
    }

    /// <summary>Waits for the queued kernels of an ILGPU device (they run asynchronously); nothing on the CPU.</summary>
    public static void WaitFor(Device device)
    {
        if (device.Backend is GpuBackend gpu) gpu.Synchronize();
    }

    private static double Median(double[] times)
    {
        Array.Sort(times);
        return times.Length % 2 == 1 ? times[times.Length / 2] : (times[times.Length / 2 - 1] + times[times.Length / 2]) / 2;
    }
}

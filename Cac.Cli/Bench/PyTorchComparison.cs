using System.Diagnostics;
using System.Text.Json;

namespace Cac.Cli.Bench;

/// <summary>
/// Runs bench/pytorch_reference.py twice, PyTorch's default configuration (NCHW, default malloc) and its
/// best one here (channels_last, glibc malloc that keeps freed memory instead of unmapping it), and prints
/// a table of Cac against both with ratios. On CUDA the script runs on the GPU (cuBLAS/cuDNN, TF32 off).
/// </summary>
public static class PyTorchComparison
{
    // glibc keeps large freed blocks instead of returning them with munmap and re-faulting them each step.
    private static readonly Dictionary<string, string> BestMallocEnv = new()
    {
        ["MALLOC_MMAP_THRESHOLD_"] = "4294967296",
        ["MALLOC_TRIM_THRESHOLD_"] = "4294967296",
        ["MALLOC_TOP_PAD_"] = "536870912",
    };

    /// <summary>
    /// Runs both PyTorch configurations on <paramref name="device"/> ("cpu" or "cuda"), only the benchmarks whose group name
    /// contains <paramref name="filter"/> when given (as `cac bench --filter`); returns (default, best) results.
    /// </summary>
    public static (List<BenchResult> Default, List<BenchResult> Best) Run(string python, string script, bool quick, string device, string? filter,
        Action<string> progress)
    {
        string[] only = filter is null ? [] : ["--filter", filter];
        progress($"PyTorch on {device}, default configuration ...");
        var baseline = RunScript(python, script, ["--config", "default", "--device", device, .. only], quick, new Dictionary<string, string>());
        progress($"PyTorch on {device}, channels_last + malloc tuning ...");
        var best = RunScript(python, script, ["--config", "channels_last", "--device", device, .. only], quick, BestMallocEnv);
        return (baseline, best);
    }

    /// <summary>Finds bench/pytorch_reference.py from the working directory or the executable's directory upwards.</summary>
    public static string FindScript()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "bench", "pytorch_reference.py");
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw new FileNotFoundException("bench/pytorch_reference.py not found above the working directory; pass --pytorch-script");
    }

    private static List<BenchResult> RunScript(string python, string script, string[] args, bool quick, Dictionary<string, string> env)
    {
        var info = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = false, UseShellExecute = false };
        info.ArgumentList.Add(script);
        foreach (var a in args) info.ArgumentList.Add(a);
        if (quick) info.ArgumentList.Add("--quick");
        foreach (var (k, v) in env) info.Environment[k] = v;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {python}");
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{python} {script} exited with code {process.ExitCode}");
        var lastLine = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()
            ?? throw new InvalidOperationException($"{script} printed nothing");
        return JsonSerializer.Deserialize<List<BenchResult>>(lastLine) ?? [];
    }

    /// <summary>
    /// Cac's speed relative to PyTorch's: above 1 means Cac is faster (or, for memory, smaller).
    /// Throughputs divide Cac by PyTorch; times and memory divide PyTorch by Cac.
    /// </summary>
    public static double Ratio(BenchResult cac, BenchResult pytorch) =>
        cac.Unit is "ms" or "MiB" ? pytorch.Value / cac.Value : cac.Value / pytorch.Value;

    /// <summary>Prints the comparison table (plain text, so that it does not wrap when redirected).</summary>
    public static void PrintTable(List<BenchResult> cac, List<BenchResult> baseline, List<BenchResult> best)
    {
        Console.WriteLine($"{"benchmark",-30} {"unit",-8} {"Cac",9} {"PyTorch",9} {"ratio",7} {"PT best",9} {"ratio",7}");
        foreach (var c in cac)
        {
            var d = baseline.FirstOrDefault(r => r.Name == c.Name);
            var b = best.FirstOrDefault(r => r.Name == c.Name);
            Console.WriteLine($"{c.Name,-30} {c.Unit,-8} {c.Value,9:F1} {Value(d),9} {RatioText(c, d),7} {Value(b),9} {RatioText(c, b),7}");
        }
        Console.WriteLine("ratio: Cac relative to PyTorch, above 1 = Cac faster (memory: smaller). PT best: channels_last + malloc tuning.");
    }

    private static string Value(BenchResult? r) => r is null ? "-" : r.Value.ToString("F1");

    private static string RatioText(BenchResult c, BenchResult? r) => r is null ? "-" : $"{Ratio(c, r):F2}x";
}

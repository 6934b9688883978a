using System.Diagnostics;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;

namespace Cac.Gpu;

// Kernel profiling for debugging performance: with the environment variable CAC_GPU_PROFILE=1 every launch
// waits for the queued work, runs, and waits again, and its wall time is added to its kernel's total; the
// table goes to stderr when the backend is disposed or the process exits. Off (the default), kernels are the
// delegates ILGPU returns, untouched.
public sealed partial class GpuBackend
{
    /// <summary>Whether CAC_GPU_PROFILE=1 was set when the process started.</summary>
    internal static readonly bool ProfilingEnabled = Environment.GetEnvironmentVariable("CAC_GPU_PROFILE") == "1";

    private readonly Dictionary<string, (long Launches, long Ticks)> _profile = [];
    private int _profileReported;

    /// <summary>
    /// The kernel delegate itself, or with profiling on a wrapper of the same type that times each launch.
    /// <paramref name="expression"/> (filled in by the compiler) names the kernel: its last "(Class.Method)".
    /// </summary>
    private TDelegate Profiled<TDelegate>(TDelegate kernel, [CallerArgumentExpression(nameof(kernel))] string expression = "")
        where TDelegate : Delegate
    {
        if (!ProfilingEnabled) return kernel;
        int open = expression.LastIndexOf('(');
        string name = open >= 0 ? expression[(open + 1)..].TrimEnd(')', ' ') : expression;
        // (args) => { Begin(); kernel(args); End(name, start); } with the delegate's own parameter list.
        var invoke = typeof(TDelegate).GetMethod("Invoke")!;
        var parameters = invoke.GetParameters().Select(p => Expression.Parameter(p.ParameterType, p.Name)).ToArray();
        var start = Expression.Variable(typeof(long), "start");
        var self = Expression.Constant(this);
        var body = Expression.Block([start],
            Expression.Assign(start, Expression.Call(self, nameof(ProfileBegin), Type.EmptyTypes)),
            Expression.Invoke(Expression.Constant(kernel), parameters),
            Expression.Call(self, nameof(ProfileEnd), Type.EmptyTypes, Expression.Constant(name), start));
        return Expression.Lambda<TDelegate>(body, parameters).Compile();
    }

    private long ProfileBegin()
    {
        _accelerator.Synchronize();
        return Stopwatch.GetTimestamp();
    }

    private void ProfileEnd(string name, long start)
    {
        _accelerator.Synchronize();
        long ticks = Stopwatch.GetTimestamp() - start;
        lock (_profile)
        {
            var (launches, total) = _profile.GetValueOrDefault(name);
            _profile[name] = (launches + 1, total + ticks);
        }
    }

    /// <summary>Writes the per-kernel table (once) when profiling is on.</summary>
    private void ReportProfile()
    {
        if (!ProfilingEnabled || Interlocked.Exchange(ref _profileReported, 1) != 0) return;
        List<KeyValuePair<string, (long Launches, long Ticks)>> rows;
        lock (_profile) rows = _profile.OrderByDescending(r => r.Value.Ticks).ToList();
        double total = rows.Sum(r => r.Value.Ticks) / (double)Stopwatch.Frequency;
        Console.Error.WriteLine($"CAC_GPU_PROFILE {Device.Name}: {rows.Sum(r => r.Value.Launches)} launches, {total:F2} s in kernels");
        foreach (var (name, (launches, ticks)) in rows)
        {
            double seconds = ticks / (double)Stopwatch.Frequency;
            Console.Error.WriteLine($"  {name,-36} {launches,8} launches {seconds,9:F3} s {seconds / launches * 1e3,9:F3} ms/launch {seconds / Math.Max(total, 1e-12),7:P1}");
        }
    }
}

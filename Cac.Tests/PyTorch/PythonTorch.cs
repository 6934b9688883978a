using System.Diagnostics;
using Xunit;

namespace Cac.Tests.PyTorch;

/// <summary>
/// Runs the repository's PyTorch scripts (fixtures/*.py) with Debian's python3-torch at /usr/bin/python3 (the python3 on
/// PATH may lack torch). <see cref="Unavailable"/> says why they cannot run on this machine, or is null when they can;
/// setting the environment variable CAC_NO_PYTORCH=1 makes them unavailable (to see the tests that need them skip).
/// </summary>
internal static class PythonTorch
{
    /// <summary>The interpreter that has torch.</summary>
    public const string Interpreter = "/usr/bin/python3";

    private static readonly Lazy<string?> Missing = new(Probe);

    /// <summary>Why python with torch and numpy cannot run here (null when it can); probed once per test run.</summary>
    public static string? Unavailable => Missing.Value;

    /// <summary>The repository's fixtures/ folder (found above the test output directory).</summary>
    /// <exception cref="DirectoryNotFoundException">The tests do not run inside a checkout of the repository.</exception>
    public static string ScriptsDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "fixtures");
            if (File.Exists(Path.Combine(dir.FullName, "Cac.sln")) && Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"no fixtures/ folder beside a Cac.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>Runs fixtures/<paramref name="script"/> with <paramref name="args"/>; returns the exit code and stdout + stderr.</summary>
    public static (int ExitCode, string Output) Run(string script, params string[] args)
    {
        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(ScriptsDirectory(), script));
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Interpreter}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} did not finish within 3 minutes");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string? Probe()
    {
        if (Environment.GetEnvironmentVariable("CAC_NO_PYTORCH") is "1")
            return "CAC_NO_PYTORCH=1 is set";
        if (!File.Exists(Interpreter)) return $"{Interpreter} is not installed";
        try
        {
            var start = new ProcessStartInfo(Interpreter, ["-c", "import torch, numpy"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(start);
            if (process is null) return $"{Interpreter} could not be started";
            var err = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
            {
                process.Kill(entireProcessTree: true);
                return $"{Interpreter} -c 'import torch' did not finish within a minute";
            }
            return process.ExitCode == 0 ? null : $"{Interpreter} lacks torch or numpy (install Debian's python3-torch): {err.Result.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"{Interpreter} could not be started: {e.Message}";
        }
    }
}

/// <summary>A fact that is reported as skipped (not passed) where /usr/bin/python3 with torch is not available.</summary>
public sealed class PythonTorchFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when python with torch is missing.</summary>
    public PythonTorchFactAttribute()
    {
        if (PythonTorch.Unavailable is { } why) Skip = "needs PyTorch: " + why;
    }
}

/// <summary>A theory that is reported as skipped (not passed) where /usr/bin/python3 with torch is not available.</summary>
public sealed class PythonTorchTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when python with torch is missing.</summary>
    public PythonTorchTheoryAttribute()
    {
        if (PythonTorch.Unavailable is { } why) Skip = "needs PyTorch: " + why;
    }
}

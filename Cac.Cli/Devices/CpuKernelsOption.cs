using System.CommandLine;

namespace Cac.Cli.Devices;

/// <summary>
/// The --cpu-kernels option shared by `cac train`, `cac eval` and `cac bench`: reference | gemm | fast, the
/// <see cref="CpuKernelChoice"/> the CPU backend runs convolutions and content-aware layers with (no effect on a GPU device).
/// </summary>
internal static class CpuKernelsOption
{
    /// <summary>The option's name.</summary>
    public const string Name = "--cpu-kernels";

    public static Option<string> Create()
    {
        var option = new Option<string>(Name)
        {
            Description = "CPU backend kernels for convolutions and content-aware layers: fast (Winograd, direct and fused kernels), " +
                          "gemm (im2col + GEMM everywhere, the GPU's algorithm) or reference (the plain loops of Cac.Core/Cpu/Reference: slow, readable)",
            DefaultValueFactory = _ => "fast",
        };
        option.AcceptOnlyFromAmong("reference", "gemm", "fast");
        return option;
    }

    /// <summary>The choice an option value names (case-insensitive).</summary>
    public static CpuKernelChoice Parse(string value) => value.ToLowerInvariant() switch
    {
        "reference" => CpuKernelChoice.Reference,
        "gemm" => CpuKernelChoice.Gemm,
        "fast" => CpuKernelChoice.Fast,
        _ => throw new ArgumentException($"{Name} must be reference, gemm or fast, got '{value}'"),
    };

    /// <summary>Sets <see cref="CpuBackend.Kernels"/> to the named choice until the returned scope is disposed.</summary>
    public static IDisposable Use(string value)
    {
        var choice = Parse(value);
        var before = CpuBackend.Kernels;
        CpuBackend.Kernels = choice;
        return new Restore(before);
    }

    private sealed class Restore(CpuKernelChoice before) : IDisposable
    {
        public void Dispose() => CpuBackend.Kernels = before;
    }
}

namespace Cac;

/// <summary>
/// Default bodies of the fine-grained CAC kernels (IBackend.Cac.cs) for a backend that does not implement them yet:
/// the storages are copied to host memory, the CPU kernel runs, and the written storages are copied back. Correct
/// but slow (two transfers per call); device backends should override the kernels with native ones.
/// </summary>
internal static class CacHostFallback
{
    private static IBackend Cpu => Device.Cpu.Backend;

    /// <summary>Runs <paramref name="kernel"/> on host copies of <paramref name="args"/>, copying back those at <paramref name="written"/>.</summary>
    public static void Run(Action<IBackend, Storage?[]> kernel, Storage?[] args, params int[] written) =>
        Run<int>((cpu, h) => { kernel(cpu, h); return 0; }, args, written);

    /// <summary>As <see cref="Run(Action{IBackend, Storage?[]}, Storage?[], int[])"/>, returning the kernel's result.</summary>
    public static TResult Run<TResult>(Func<IBackend, Storage?[], TResult> kernel, Storage?[] args, params int[] written)
    {
        var host = args.Select(s => s is null ? null : ToHost(s)).ToArray();
        var result = kernel(Cpu, host);
        foreach (int i in written) CopyBack(host[i]!, args[i]!);
        return result;
    }

    private static Storage ToHost(Storage s) => s.DType switch
    {
        DType.Float32 => Cpu.Upload<float>(Download<float>(s)),
        DType.Float64 => Cpu.Upload<double>(Download<double>(s)),
        _ => Cpu.Upload<int>(Download<int>(s)),
    };

    private static T[] Download<T>(Storage s) where T : unmanaged
    {
        var data = new T[s.Length];
        s.Backend.Download<T>(s, data);
        return data;
    }

    private static void CopyBack(Storage host, Storage target)
    {
        Storage staged = host.DType switch
        {
            DType.Float32 => target.Backend.Upload<float>(CpuBackend.Data<float>(host)),
            DType.Float64 => target.Backend.Upload<double>(CpuBackend.Data<double>(host)),
            _ => target.Backend.Upload<int>(CpuBackend.Data<int>(host)),
        };
        target.Backend.Copy(staged, 0, target, 0, target.Length);
        staged.Dispose();
    }
}

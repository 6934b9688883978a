using System.CommandLine;
using Cac.Gpu;

namespace Cac.Cli.Devices;

/// <summary>The --device option shared by the commands: auto | cpu | cuda | opencl | ilgpu-cpu.</summary>
internal static class DeviceSelection
{
    public static Option<string> CreateOption()
    {
        var option = new Option<string>("--device")
        {
            Description = "Where to compute: auto (CUDA, then OpenCL, then the CPU backend), cpu, cuda, opencl, or ilgpu-cpu (ILGPU's GPU simulator: slow, for debugging kernels)",
            DefaultValueFactory = _ => "auto",
        };
        option.AcceptOnlyFromAmong("auto", "cpu", "cuda", "opencl", "ilgpu-cpu");
        return option;
    }

    /// <summary>Opens the named device; a requested GPU that ILGPU cannot see is an error naming it.</summary>
    public static Device Open(string name)
    {
        switch (name)
        {
            case "cpu":
                return Device.Cpu;
            case "auto":
                var gpu = GpuDevices.List().FirstOrDefault(d => d.Kind == DeviceKind.Cuda) ?? GpuDevices.List().FirstOrDefault(d => d.Kind == DeviceKind.OpenCL);
                return gpu is null ? Device.Cpu : GpuDevices.Open(gpu.Kind, gpu.Index);
            default:
                var kind = name switch { "cuda" => DeviceKind.Cuda, "opencl" => DeviceKind.OpenCL, _ => DeviceKind.IlgpuCpu };
                if (kind != DeviceKind.IlgpuCpu && !GpuDevices.List().Any(d => d.Kind == kind))
                    throw new InvalidOperationException($"--device {name}: ILGPU sees no {kind} device on this machine (run `cac devices` to list what it sees, or use --device cpu)");
                return GpuDevices.Open(kind);
        }
    }
}

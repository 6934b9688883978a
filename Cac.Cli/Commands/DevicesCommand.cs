using System.CommandLine;
using Cac.Gpu;
using Spectre.Console;

namespace Cac.Cli.Commands;

/// <summary>`cac devices`: what ILGPU sees (CUDA, OpenCL, its CPU simulator), with memory and compute units, plus the CPU backend.</summary>
internal static class DevicesCommand
{
    public static Command Create()
    {
        var command = new Command("devices", "List the devices --device can use");
        command.SetAction(_ =>
        {
            var table = new Table().AddColumns("--device", "name", "memory", "compute units");
            table.AddRow("cpu", Markup.Escape($"CPU backend (plain C#, {Environment.ProcessorCount} cores)"), "system", Environment.ProcessorCount.ToString());
            foreach (var d in GpuDevices.List())
            {
                string option = d.Kind switch { DeviceKind.Cuda => "cuda", DeviceKind.OpenCL => "opencl", _ => "ilgpu-cpu" };
                // ILGPU's CPU simulator reports an unbounded size (it allocates host memory).
                string memory = d.Kind == DeviceKind.IlgpuCpu ? "system" : $"{d.MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB";
                table.AddRow(option, Markup.Escape(d.Name), memory, d.Multiprocessors.ToString());
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }
}

using System.CommandLine;
using System.Text.Json;
using Cac.Cli.Bench;
using Cac.Cli.Devices;
using Cac.Gpu;

namespace Cac.Cli.Commands;

/// <summary>
/// `cac bench`: performance benchmarks (GEMM, convolutions, ResNet training and inference) on the CPU backend or,
/// with --device, on an ILGPU device. Its default action runs the core benchmarks; other benchmark families hang
/// below it as subcommands (<see cref="Subcommands"/>).
/// </summary>
internal static class BenchCommand
{
    /// <summary>Factories of the subcommands of `cac bench`; adding one is one line here.</summary>
    public static readonly List<Func<Command>> Subcommands = [CreateCac];

    /// <summary>Builds `cac bench` with <see cref="Subcommands"/> and any <paramref name="extra"/> subcommands.</summary>
    public static Command Create(params Command[] extra)
    {
        var json = new Option<bool>("--json") { Description = "Print the results as a JSON list of {name, value, unit}" };
        var quick = new Option<bool>("--quick") { Description = "Fewer repetitions (rougher numbers, shorter run)" };
        var compare = new Option<bool>("--compare-pytorch") { Description = "Also run bench/pytorch_reference.py (default and channels_last configurations) and print the ratios" };
        var python = new Option<string>("--python") { Description = "Python interpreter with PyTorch", DefaultValueFactory = _ => "/usr/bin/python3" };
        var script = new Option<string?>("--pytorch-script") { Description = "Path of pytorch_reference.py (default: found from the working directory)" };
        var filter = new Option<string?>("--filter") { Description = "Run only the benchmarks whose group name contains this text (e.g. gemm, conv3x3_16ch, resnet20, pgd10); with --compare-pytorch PyTorch runs the same ones" };
        var device = CreateDeviceOption();
        var cpuKernels = CpuKernelsOption.Create();
        var command = new Command("bench", "Benchmarks: SGEMM, 3x3 convolutions, ResNet-20/56 training and inference, PGD-10 on ResNet-20 (float32, batch 128), on the CPU or a GPU (--device)")
        {
            json, quick, compare, python, script, filter, device, cpuKernels,
        };
        foreach (var sub in Subcommands) command.Subcommands.Add(sub());
        foreach (var sub in extra) command.Subcommands.Add(sub);
        command.SetAction(parse => Run(SettingsFrom(parse)));
        return command;
    }

    /// <summary>The options of `cac bench`: output, repetitions, the PyTorch comparison (interpreter, script), a benchmark filter, the device and the CPU kernels.</summary>
    internal sealed record BenchSettings(bool Json, bool Quick, bool ComparePyTorch, string Python, string? PyTorchScript, string? Filter, string Device,
        string CpuKernels = "fast");

    /// <summary>The settings of a parsed `cac bench` command line (options left out take their defaults).</summary>
    internal static BenchSettings SettingsFrom(ParseResult parse) => new(
        Json: parse.GetValue<bool>("--json"),
        Quick: parse.GetValue<bool>("--quick"),
        ComparePyTorch: parse.GetValue<bool>("--compare-pytorch"),
        Python: parse.GetValue<string>("--python")!,
        PyTorchScript: parse.GetValue<string?>("--pytorch-script"),
        Filter: parse.GetValue<string?>("--filter"),
        Device: parse.GetValue<string>("--device")!,
        CpuKernels: parse.GetValue<string>(CpuKernelsOption.Name)!);

    /// <summary>`cac bench cac`: sparse CAC against the dense standard conv (see <see cref="CacBenchmarks"/>).</summary>
    private static Command CreateCac()
    {
        var json = new Option<bool>("--json") { Description = "Print the results as a JSON list of {name, value, unit}" };
        var quick = new Option<bool>("--quick") { Description = "Fewer repetitions (rougher numbers, shorter run)" };
        var device = CreateDeviceOption();
        var command = new Command("cac", "One content-aware layer (sparse path) vs the dense standard conv: ResNet-20 stage shapes, batch 128, sharp ratios 0.25/0.5/0.75") { json, quick, device };
        command.SetAction(parse =>
        {
            var s = CacSettingsFrom(parse);
            var results = OnDevice(DeviceSelection.Open(s.Device), opened =>
            {
                Console.Error.WriteLine($"cac bench cac: sparse CAC (forced sharp ratio) vs dense 3x3 conv, batch 128, on {Describe(opened)}");
                return new CacBenchmarks(s.Quick, line => Console.Error.WriteLine(line), opened).Run();
            });
            Print(results, s.Json);
            return 0;
        });
        return command;
    }

    /// <summary>The options of `cac bench cac`: output, repetitions and the device.</summary>
    internal sealed record CacBenchSettings(bool Json, bool Quick, string Device);

    /// <summary>The settings of a parsed `cac bench cac` command line (options left out take their defaults).</summary>
    internal static CacBenchSettings CacSettingsFrom(ParseResult parse) => new(
        Json: parse.GetValue<bool>("--json"),
        Quick: parse.GetValue<bool>("--quick"),
        Device: parse.GetValue<string>("--device")!);

    // --device for the benchmarks: the CPU backend unless asked otherwise (auto would silently pick a GPU).
    private static Option<string> CreateDeviceOption()
    {
        var device = DeviceSelection.CreateOption();
        device.Description = "Where to run the benchmarks: cpu (the default), cuda, opencl, auto (CUDA, then OpenCL, then the CPU), or ilgpu-cpu (ILGPU's simulator: very slow)";
        device.DefaultValueFactory = _ => "cpu";
        return device;
    }

    // Runs the benchmarks on an opened device and closes it.
    private static List<BenchResult> OnDevice(Device device, Func<Device, List<BenchResult>> run)
    {
        try { return run(device); }
        finally { GpuDevices.Close(device); }
    }

    private static string Describe(Device device) => device.Kind == DeviceKind.Cpu
        ? $"the CPU backend: {Environment.ProcessorCount} cores, Vector<float> {System.Numerics.Vector<float>.Count} lanes, " +
          $"AVX-512 {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}"
        : $"device {device.Name} ({((GpuBackend)device.Backend).Accelerator.Name})";

    private static void Print(List<BenchResult> results, bool json)
    {
        if (json) Console.WriteLine(JsonSerializer.Serialize(results));
        else foreach (var r in results) Console.WriteLine($"{r.Name,-36} {r.Value,10:F3} {r.Unit}{r.QuartileText("F3")}");
    }

    private static int Run(BenchSettings s)
    {
        static void Progress(string line) => Console.Error.WriteLine(line);
        using var kernels = CpuKernelsOption.Use(s.CpuKernels);
        var device = DeviceSelection.Open(s.Device);
        if (s.ComparePyTorch && device.Kind is not (DeviceKind.Cpu or DeviceKind.Cuda))
        {
            GpuDevices.Close(device);
            throw new ArgumentException($"--compare-pytorch compares against PyTorch on the CPU or on CUDA; it cannot be combined with --device {s.Device} ({device.Name})");
        }
        string torchDevice = device.Kind == DeviceKind.Cuda ? "cuda" : "cpu";
        var results = OnDevice(device, opened =>
        {
            Progress($"cac bench: {Describe(opened)}" + (opened.Kind == DeviceKind.Cpu ? $", cpu kernels {s.CpuKernels}" : ""));
            return new CoreBenchmarks(s.Quick, Progress, s.Filter, opened).Run();
        });
        if (s.ComparePyTorch)
        {
            var (baseline, best) = PyTorchComparison.Run(s.Python, s.PyTorchScript ?? PyTorchComparison.FindScript(), s.Quick, torchDevice, s.Filter, Progress);
            if (s.Json)
            {
                var all = results.Select(r => r with { Name = $"cac.{r.Name}" })
                    .Concat(baseline.Select(r => r with { Name = $"pytorch.{r.Name}" }))
                    .Concat(best.Select(r => r with { Name = $"pytorch_best.{r.Name}" }));
                Console.WriteLine(JsonSerializer.Serialize(all));
            }
            else PyTorchComparison.PrintTable(results, baseline, best);
            return 0;
        }
        Print(results, s.Json);
        return 0;
    }
}

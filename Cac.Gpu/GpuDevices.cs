using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace Cac.Gpu;

/// <summary>
/// Opens ILGPU accelerators as Cac devices and lists what ILGPU can see. Each opened device owns one ILGPU
/// context and accelerator; release them with <see cref="Close"/> (or by disposing the <see cref="GpuBackend"/>).
/// </summary>
public static class GpuDevices
{
    /// <summary>
    /// The simulated device behind <see cref="DeviceKind.IlgpuCpu"/>: one multiprocessor of as many simulated threads
    /// as the machine has cores (warps of 2, at least 2 and at most 16 threads in all). Every simulated thread is an
    /// OS thread and every launch is a rendezvous of all of them, so a small device is the fast one; its backend runs
    /// the barrier-free GEMM (<see cref="GpuKernelOptions.For"/>).
    /// </summary>
    internal static CPUDevice SimulatorDevice { get; } = new(numThreadsPerWarp: 2, numWarpsPerMultiprocessor: SimulatorWarps(Environment.ProcessorCount), numMultiprocessors: 1);

    /// <summary>
    /// A simulator with 128-thread groups (4 warps of 32), for testing the GPU kernel variants (tiled GEMM, 128-thread
    /// reductions) on the CPU: slow, keep its tests small.
    /// </summary>
    internal static CPUDevice WideSimulatorDevice { get; } = new(numThreadsPerWarp: 32, numWarpsPerMultiprocessor: 4, numMultiprocessors: 1);

    // Warps of 2 threads per multiprocessor: the largest power of two with 2 * warps <= cores, within [1, 8].
    private static int SimulatorWarps(int cores)
    {
        int warps = 1;
        while (warps * 2 * 2 <= Math.Min(cores, 16)) warps *= 2;
        return warps;
    }

    /// <summary>Opens a CPU simulator of the given shape as an ilgpu-cpu device, with explicit kernel variants (tests).</summary>
    internal static Device OpenSimulator(CPUDevice simulator, GpuKernelOptions? options)
    {
        var context = Context.Create(b => b.CPU(simulator).EnableAlgorithms());
        try
        {
            var accelerator = context.GetCPUDevice(0).CreateAccelerator(context);
            return new Device(DeviceKind.IlgpuCpu, "ilgpu-cpu", d => new GpuBackend(d, context, accelerator, options));
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>Opens device <paramref name="index"/> of a kind (Cuda, OpenCL or IlgpuCpu), or throws naming the kind when none is present.</summary>
    public static Device Open(DeviceKind kind, int index = 0)
    {
        if (kind == DeviceKind.Cpu)
            throw new ArgumentException("DeviceKind.Cpu is the plain C# backend: use Device.Cpu; GpuDevices opens Cuda, OpenCL and IlgpuCpu devices", nameof(kind));
        var context = CreateContext(kind);
        try
        {
            var devices = DevicesOf(context, kind);
            if (index < 0 || index >= devices.Count)
                throw new InvalidOperationException(devices.Count == 0
                    ? $"no {kind} device is present (ILGPU found none); use --device cpu or another kind"
                    : $"{kind} device {index} does not exist: ILGPU found {devices.Count} ({string.Join(", ", devices.Select(d => d.Name))})");
            var accelerator = devices[index].CreateAccelerator(context);
            string name = kind switch
            {
                DeviceKind.Cuda => $"cuda:{index}",
                DeviceKind.OpenCL => $"opencl:{index}",
                _ => "ilgpu-cpu",
            };
            return new Device(kind, name, d => new GpuBackend(d, context, accelerator));
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>Releases the accelerator and context of a device opened by <see cref="Open"/> (no-op for other devices).</summary>
    public static void Close(Device device)
    {
        if (device.Backend is GpuBackend backend) backend.Dispose();
    }

    /// <summary>Every accelerator ILGPU can see, of the kinds <see cref="Open"/> accepts.</summary>
    public static IReadOnlyList<DeviceInfo> List()
    {
        var result = new List<DeviceInfo>();
        foreach (var kind in new[] { DeviceKind.Cuda, DeviceKind.OpenCL, DeviceKind.IlgpuCpu })
        {
            using var context = CreateContext(kind);
            var devices = DevicesOf(context, kind);
            for (int i = 0; i < devices.Count; i++)
            {
                var d = devices[i];
                result.Add(new DeviceInfo(kind, i, d.Name, d.MemorySize, d.NumMultiprocessors, d.MaxNumThreadsPerGroup, d.WarpSize));
            }
        }
        return result;
    }

    private static Context CreateContext(DeviceKind kind) => kind switch
    {
        DeviceKind.Cuda => Context.Create(b => b.Cuda().EnableAlgorithms()),
        DeviceKind.OpenCL => Context.Create(b => b.OpenCL().EnableAlgorithms()),
        DeviceKind.IlgpuCpu => Context.Create(b => b.CPU(SimulatorDevice).EnableAlgorithms()),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "GpuDevices opens Cuda, OpenCL and IlgpuCpu devices"),
    };

    private static List<ILGPU.Runtime.Device> DevicesOf(Context context, DeviceKind kind)
    {
        var type = kind switch
        {
            DeviceKind.Cuda => AcceleratorType.Cuda,
            DeviceKind.OpenCL => AcceleratorType.OpenCL,
            _ => AcceleratorType.CPU,
        };
        var result = new List<ILGPU.Runtime.Device>();
        foreach (var device in context.Devices)
            if (device.AcceleratorType == type) result.Add(device);
        return result;
    }
}

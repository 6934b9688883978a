namespace Cac;

/// <summary>Kinds of execution device.</summary>
public enum DeviceKind
{
    /// <summary>The plain C# CPU backend (SIMD, multi-core).</summary>
    Cpu,
    /// <summary>An NVIDIA GPU through ILGPU's CUDA accelerator.</summary>
    Cuda,
    /// <summary>An OpenCL device through ILGPU.</summary>
    OpenCL,
    /// <summary>ILGPU's CPU accelerator: a GPU simulator for debugging kernels, slow.</summary>
    IlgpuCpu,
}

/// <summary>A place where tensors live and ops run. Every tensor carries its device; ops require all inputs on one device.</summary>
public sealed class Device
{
    /// <summary>Creates a device bound to a backend.</summary>
    public Device(DeviceKind kind, string name, Func<Device, IBackend> backendFactory)
    {
        Kind = kind;
        Name = name;
        Backend = backendFactory(this);
    }

    /// <summary>The CPU device with the plain C# backend.</summary>
    public static Device Cpu { get; } = new(DeviceKind.Cpu, "cpu", d => new CpuBackend(d));

    /// <summary>Device kind.</summary>
    public DeviceKind Kind { get; }

    /// <summary>Short name such as "cpu" or "cuda:0".</summary>
    public string Name { get; }

    /// <summary>The backend that executes ops for tensors on this device.</summary>
    public IBackend Backend { get; }

    /// <inheritdoc />
    public override string ToString() => Name;
}

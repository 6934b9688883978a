namespace Cac.Gpu;

/// <summary>One accelerator as ILGPU sees it (for `cac devices`).</summary>
/// <param name="Kind">Backend kind that <see cref="GpuDevices.Open"/> accepts for it.</param>
/// <param name="Index">Index among the devices of its kind.</param>
/// <param name="Name">Driver-reported name.</param>
/// <param name="MemoryBytes">Device memory in bytes (long.MaxValue for ILGPU's CPU simulator).</param>
/// <param name="Multiprocessors">Streaming multiprocessors / compute units.</param>
/// <param name="MaxThreadsPerGroup">Largest thread group (block) size.</param>
/// <param name="WarpSize">Threads per warp (wavefront, SIMD group).</param>
public sealed record DeviceInfo(DeviceKind Kind, int Index, string Name, long MemoryBytes, int Multiprocessors, int MaxThreadsPerGroup, int WarpSize)
{
    /// <inheritdoc />
    public override string ToString()
    {
        string memory = MemoryBytes == long.MaxValue ? "host memory" : $"{MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB";
        return $"{Kind.ToString().ToLowerInvariant()}:{Index} {Name} ({memory}, {Multiprocessors} multiprocessors, groups up to {MaxThreadsPerGroup} threads, warp {WarpSize})";
    }
}

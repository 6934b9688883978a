namespace Cac;

/// <summary>A managed array owned by the CPU backend.</summary>
internal sealed class CpuStorage<T>(CpuBackend backend, DType dtype, T[] data) : Storage(backend, dtype, data.LongLength) where T : unmanaged
{
    /// <summary>The elements, row-major.</summary>
    public T[] Data { get; } = data;
}

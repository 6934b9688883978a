namespace Cac.Gpu;

/// <summary>Device memory of one <see cref="GpuBackend"/>'s pool at a moment.</summary>
/// <param name="LiveBytes">Bytes of buffers owned by storages not yet disposed or reclaimed.</param>
/// <param name="PooledBytes">Bytes of buffers waiting in the pool for reuse.</param>
/// <param name="Allocations">Device allocations made so far (a reuse is not one).</param>
/// <param name="Reuses">Buffers handed out again from the pool so far.</param>
public readonly record struct GpuMemoryStatistics(long LiveBytes, long PooledBytes, long Allocations, long Reuses)
{
    /// <summary>Device memory the pool holds: <see cref="LiveBytes"/> + <see cref="PooledBytes"/>.</summary>
    public long AllocatedBytes => LiveBytes + PooledBytes;
}

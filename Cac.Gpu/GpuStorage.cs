using ILGPU;
using ILGPU.Runtime;

namespace Cac.Gpu;

/// <summary>
/// A device buffer owned by a <see cref="GpuBackend"/>. Disposal (explicit, or at the end of the <see cref="TensorScope"/>
/// the storage was created in) returns the buffer to the backend's pool for reuse (it is not freed). A storage that is
/// never disposed keeps its buffer until the garbage collector has found it unreachable and the pool's safety net
/// reclaims it (<see cref="GpuMemoryPool.ReclaimUnreachable"/>).
/// </summary>
internal sealed class GpuStorage<T> : Storage where T : unmanaged
{
    private readonly GpuMemoryPool _pool;
    private MemoryBuffer1D<T, Stride1D.Dense>? _buffer;

    internal GpuStorage(GpuBackend backend, GpuMemoryPool pool, DType dtype, long length)
        : base(backend, dtype, length)
    {
        _pool = pool;
        _buffer = pool.Rent<T>(length, this);
    }

    /// <summary>The underlying buffer (its capacity may exceed <see cref="Storage.Length"/> only for empty storages).</summary>
    internal MemoryBuffer1D<T, Stride1D.Dense> Buffer =>
        _buffer ?? throw new ObjectDisposedException(nameof(GpuStorage<T>), $"this {DType.Name()} GPU storage of {Length} elements was disposed");

    /// <summary>A view of exactly <see cref="Storage.Length"/> elements.</summary>
    internal ArrayView<T> View => Buffer.View.SubView(0, Length);

    /// <inheritdoc />
    public override void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null) _pool.Return(buffer);
        base.Dispose();
    }
}

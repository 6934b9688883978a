namespace Cac;

/// <summary>
/// A managed array owned by the CPU backend, lent by its <see cref="CpuBufferPool"/>: disposal gives the array back
/// for reuse (the storage is unusable afterwards); a storage nobody disposes is freed with its array by the garbage collector.
/// </summary>
internal sealed class CpuStorage<T> : Storage where T : unmanaged
{
    private readonly CpuBufferPool _pool;
    private T[]? _data;

    /// <summary>A storage of <paramref name="length"/> elements, zero-filled when <paramref name="clear"/>, else with unspecified contents.</summary>
    public CpuStorage(CpuBackend backend, CpuBufferPool pool, DType dtype, long length, bool clear)
        : base(backend, dtype, length)
    {
        _pool = pool;
        _data = pool.Rent<T>(checked((int)length), clear);
    }

    /// <summary>The elements, row-major.</summary>
    public T[] Data => _data ?? throw new ObjectDisposedException(nameof(CpuStorage<T>), $"this {DType.Name()} CPU storage of {Length} elements was disposed");

    /// <inheritdoc />
    public override void Dispose()
    {
        var data = Interlocked.Exchange(ref _data, null);
        if (data is not null) _pool.Return(data);
        base.Dispose();
    }
}

namespace Cac;

/// <summary>
/// A flat buffer of elements owned by one backend. Tensors view a storage as a contiguous row-major
/// array; reshape and detach share it. Backends down-cast to their own storage type.
/// </summary>
public abstract class Storage : IDisposable
{
    /// <summary>Creates a storage record.</summary>
    protected Storage(IBackend backend, DType dtype, long length)
    {
        Backend = backend;
        DType = dtype;
        Length = length;
    }

    /// <summary>The backend that owns this buffer.</summary>
    public IBackend Backend { get; }

    /// <summary>Element type.</summary>
    public DType DType { get; }

    /// <summary>Number of elements.</summary>
    public long Length { get; }

    /// <summary>Releases the buffer (device memory returns to its pool).</summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}

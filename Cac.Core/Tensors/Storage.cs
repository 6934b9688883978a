namespace Cac;

/// <summary>
/// A flat buffer of elements owned by one backend. Tensors view a storage as a contiguous row-major
/// array; reshape and detach share it. Backends down-cast to their own storage type.
/// Lifetime: a storage is released by <see cref="Dispose"/> (its memory goes back to the backend's pool at once), by the
/// end of the <see cref="TensorScope"/> it was created in, or, if nobody disposes it, when the garbage collector finds it
/// unreachable (the backend then reclaims its memory).
/// </summary>
public abstract class Storage : IDisposable
{
    /// <summary>Creates a storage record; it joins this thread's innermost <see cref="TensorScope"/>, if any.</summary>
    protected Storage(IBackend backend, DType dtype, long length)
    {
        Backend = backend;
        DType = dtype;
        Length = length;
        Scope = TensorScope.Enlist(this);
    }

    /// <summary>The backend that owns this buffer.</summary>
    public IBackend Backend { get; }

    /// <summary>Element type.</summary>
    public DType DType { get; }

    /// <summary>Number of elements.</summary>
    public long Length { get; }

    /// <summary>The scope that releases this storage when it ends, or null.</summary>
    internal TensorScope? Scope { get; set; }

    /// <summary>Releases the buffer (its memory returns to the backend's pool); using the storage afterwards throws.</summary>
    public virtual void Dispose()
    {
        Scope = null;
        GC.SuppressFinalize(this);
    }
}

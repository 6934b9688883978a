using ILGPU;
using ILGPU.Runtime;

namespace Cac.Gpu;

/// <summary>
/// Owns every device buffer of a backend. Free buffers wait in buckets keyed by element type and exact length, and
/// <see cref="Rent{T}"/> takes one from the matching bucket before allocating. Training allocates the same shapes
/// every step, so after the first step almost every allocation is a reuse.
/// Live buffers are held strongly, with a weak reference to the storage that owns them. The normal way back is
/// disposal: a disposed storage (explicitly, or at the end of its <see cref="TensorScope"/>) returns its buffer at once
/// (<see cref="Return{T}"/>). The safety net for storages nobody disposed: after the garbage collector has found them
/// unreachable, <see cref="ReclaimUnreachable"/> (run by a <see cref="Rent{T}"/> that misses after a collection, and by
/// <see cref="GpuBackend.CollectGarbage()"/>) takes their buffers back. It never takes a buffer an op is still about to
/// use: the backend keeps every storage an op touches reachable until that thread's op has ended (GpuBackend.Own).
/// <see cref="Trim"/> frees everything waiting. Thread-safe.
/// </summary>
internal sealed class GpuMemoryPool(Accelerator accelerator) : IDisposable
{
    private readonly Dictionary<(Type Type, long Length), Stack<MemoryBuffer>> _free = [];
    private readonly Dictionary<MemoryBuffer, (WeakReference<Storage> Owner, Type Type)> _live = new(ReferenceEqualityComparer.Instance);
    private readonly Lock _lock = new();
    private long _pooledBytes, _liveBytes, _allocations, _reuses;
    private int _gcCountAtLastReclaim = -1;
    private bool _disposed;

    /// <summary>Bytes held in free buffers waiting for reuse.</summary>
    public long PooledBytes
    {
        get { lock (_lock) return _pooledBytes; }
    }

    /// <summary>A snapshot of the pool's counters.</summary>
    public GpuMemoryStatistics Statistics
    {
        get { lock (_lock) return new GpuMemoryStatistics(_liveBytes, _pooledBytes, _allocations, _reuses); }
    }

    /// <summary>A buffer of exactly <paramref name="length"/> elements (at least one) owned by <paramref name="owner"/>; contents undefined.</summary>
    public MemoryBuffer1D<T, Stride1D.Dense> Rent<T>(long length, Storage owner) where T : unmanaged
    {
        long capacity = Math.Max(length, 1);
        var reused = TakeFree(typeof(T), capacity, owner);
        if (reused is null && GC.CollectionCount(0) != Volatile.Read(ref _gcCountAtLastReclaim))
        {
            // The collector ran since the last sweep: storages it found unreachable may have left a matching buffer.
            ReclaimUnreachable();
            reused = TakeFree(typeof(T), capacity, owner);
        }
        if (reused is not null)
        {
            // A kernel queued before the buffer was returned may still read it; the new owner's host-side
            // writes (uploads, zero-fill) must not overtake it.
            accelerator.Synchronize();
            return (MemoryBuffer1D<T, Stride1D.Dense>)reused;
        }
        MemoryBuffer1D<T, Stride1D.Dense> buffer;
        try
        {
            buffer = accelerator.Allocate1D<T>(capacity);
        }
        catch (AcceleratorException)
        {
            // Device memory is exhausted: free what waits in the pool and what unreachable (never disposed)
            // storages still hold, then retry once.
            accelerator.Synchronize();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            ReclaimUnreachable();
            Trim();
            buffer = accelerator.Allocate1D<T>(capacity);
        }
        lock (_lock)
        {
            _live[buffer] = (new WeakReference<Storage>(owner), typeof(T));
            _liveBytes += buffer.LengthInBytes;
            _allocations++;
        }
        return buffer;
    }

    private MemoryBuffer? TakeFree(Type type, long capacity, Storage owner)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_free.TryGetValue((type, capacity), out var stack) || stack.Count == 0) return null;
            var buffer = stack.Pop();
            _pooledBytes -= buffer.LengthInBytes;
            _live[buffer] = (new WeakReference<Storage>(owner), type);
            _liveBytes += buffer.LengthInBytes;
            _reuses++;
            return buffer;
        }
    }

    /// <summary>Puts the buffer of a disposed storage back for reuse (frees it when the pool is disposed).</summary>
    public void Return<T>(MemoryBuffer1D<T, Stride1D.Dense> buffer) where T : unmanaged
    {
        lock (_lock)
        {
            if (!_live.Remove(buffer)) return; // reclaimed already, or freed by Dispose
            _liveBytes -= buffer.LengthInBytes;
            if (!_disposed)
            {
                PushFree(buffer, typeof(T));
                return;
            }
        }
        buffer.Dispose();
    }

    /// <summary>
    /// Moves the buffers whose owning storage the garbage collector has found unreachable back to the free lists.
    /// Safe against queued kernels: the backend keeps the storages of queued kernels reachable until it synchronises.
    /// </summary>
    public void ReclaimUnreachable()
    {
        lock (_lock)
        {
            _gcCountAtLastReclaim = GC.CollectionCount(0);
            if (_disposed) return;
            List<(MemoryBuffer Buffer, Type Type)>? dead = null;
            foreach (var (buffer, entry) in _live)
                if (!entry.Owner.TryGetTarget(out _)) (dead ??= []).Add((buffer, entry.Type));
            if (dead is null) return;
            foreach (var (buffer, type) in dead)
            {
                _live.Remove(buffer);
                _liveBytes -= buffer.LengthInBytes;
                PushFree(buffer, type);
            }
        }
    }

    private void PushFree(MemoryBuffer buffer, Type type)
    {
        var key = (type, buffer.Length);
        if (!_free.TryGetValue(key, out var stack)) _free[key] = stack = new Stack<MemoryBuffer>();
        stack.Push(buffer);
        _pooledBytes += buffer.LengthInBytes;
    }

    /// <summary>Frees every buffer waiting in the pool.</summary>
    public void Trim()
    {
        List<MemoryBuffer> toFree;
        lock (_lock)
        {
            toFree = _free.Values.SelectMany(s => s).ToList();
            _free.Clear();
            _pooledBytes = 0;
        }
        foreach (var buffer in toFree) buffer.Dispose();
    }

    /// <summary>Frees every buffer, live ones included (storages still alive become unusable).</summary>
    public void Dispose()
    {
        List<MemoryBuffer> live;
        lock (_lock)
        {
            _disposed = true;
            live = _live.Keys.ToList();
            _live.Clear();
            _liveBytes = 0;
        }
        Trim();
        foreach (var buffer in live) buffer.Dispose();
    }
}

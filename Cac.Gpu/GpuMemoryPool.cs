using ILGPU;
using ILGPU.Runtime;

namespace Cac.Gpu;

/// <summary>
/// Reuses device buffers: freed buffers wait in buckets keyed by element type and exact length, and
/// <see cref="Rent{T}"/> takes one from the matching bucket before allocating. Training allocates the
/// same shapes every step, so after the first step almost every allocation is a reuse.
/// <see cref="Trim"/> frees everything waiting. Thread-safe.
/// </summary>
internal sealed class GpuMemoryPool(Accelerator accelerator) : IDisposable
{
    private readonly Dictionary<(Type Type, long Length), Stack<MemoryBuffer>> _free = [];
    private readonly Lock _lock = new();
    private bool _disposed;

    /// <summary>Bytes held in free buffers waiting for reuse.</summary>
    public long PooledBytes { get; private set; }

    /// <summary>A buffer of exactly <paramref name="length"/> elements (at least one); contents undefined.</summary>
    public MemoryBuffer1D<T, Stride1D.Dense> Rent<T>(long length) where T : unmanaged
    {
        long capacity = Math.Max(length, 1);
        MemoryBuffer? reused = null;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_free.TryGetValue((typeof(T), capacity), out var stack) && stack.Count > 0)
            {
                reused = stack.Pop();
                PooledBytes -= reused.LengthInBytes;
            }
        }
        if (reused is not null)
        {
            // A kernel queued before the buffer was returned may still read it; the new owner's host-side
            // writes (uploads, zero-fill) must not overtake it.
            accelerator.Synchronize();
            return (MemoryBuffer1D<T, Stride1D.Dense>)reused;
        }
        try
        {
            return accelerator.Allocate1D<T>(capacity);
        }
        catch (AcceleratorException)
        {
            // Device memory is exhausted: free what waits in the pool and what unreachable (never disposed)
            // storages still hold, then retry once.
            Trim();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return accelerator.Allocate1D<T>(capacity);
        }
    }

    /// <summary>Puts a buffer back for reuse (frees it when the pool is disposed).</summary>
    public void Return<T>(MemoryBuffer1D<T, Stride1D.Dense> buffer) where T : unmanaged
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                var key = (typeof(T), buffer.Length);
                if (!_free.TryGetValue(key, out var stack)) _free[key] = stack = new Stack<MemoryBuffer>();
                stack.Push(buffer);
                PooledBytes += buffer.LengthInBytes;
                return;
            }
        }
        buffer.Dispose();
    }

    /// <summary>Frees every buffer waiting in the pool.</summary>
    public void Trim()
    {
        List<MemoryBuffer> toFree;
        lock (_lock)
        {
            toFree = _free.Values.SelectMany(s => s).ToList();
            _free.Clear();
            PooledBytes = 0;
        }
        foreach (var buffer in toFree) buffer.Dispose();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock) _disposed = true;
        Trim();
    }
}

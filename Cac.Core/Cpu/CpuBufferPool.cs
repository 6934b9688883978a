using System.Runtime.CompilerServices;

namespace Cac;

/// <summary>
/// Reuses the arrays of CPU storages so that a training step allocates (almost) nothing on the managed heap: a step
/// of ResNet-20 at batch 128 otherwise allocates about 680 MiB of large arrays, each freshly page-faulted and zeroed,
/// and pays a full garbage collection per step. An array of at least <see cref="MinPooledLength"/> elements is lent
/// to one storage; it comes back when the storage is disposed, or, at <see cref="ReclaimUnreachable"/> (a full
/// collection between training steps, <see cref="CpuBackend.CollectGarbage"/>), when the storage has become unreachable.
/// Reclaiming only there is what makes reuse safe: a kernel that is still reading an array never runs during the
/// reclaim on its own thread, and <see cref="CpuBackend"/> keeps one pool per thread. Pooling starts with the first
/// reclaim (before it, and in programs that never call it, arrays are plain allocations). Lent arrays stay alive until
/// the next reclaim, so the bytes lent between two reclaims are bounded: by 1.5 times what the previous interval asked
/// for (at least <see cref="MinBudgetBytes"/>), the rest are plain allocations. A training loop's steps reach their
/// size after a few steps; a loop that stops reclaiming keeps at most that much alive. Arrays match by exact length.
/// An array that was free at one reclaim and still unused at the next is dropped (one given back by Dispose just before
/// a reclaim is kept for the following interval), so the pool holds about one step's worth of buffers. Thread-safe (a
/// storage may be disposed on any thread).
/// </summary>
internal sealed class CpuBufferPool
{
    /// <summary>Arrays shorter than this are left to the garbage collector (cheap small-object allocations).</summary>
    public const int MinPooledLength = 4096;

    /// <summary>The least budget of bytes lent between two reclaims.</summary>
    public const long MinBudgetBytes = 256L << 20;

    private readonly object _lock = new();
    // Arrays given back since the last reclaim, and arrays that were already free at it (dropped at the next one).
    private readonly FreeLists _returned = new(), _waiting = new();
    // Lent arrays and their storages (weakly: a storage that nobody references gives its array back).
    private readonly Dictionary<Array, WeakReference<Storage>> _lent = new(ReferenceEqualityComparer.Instance);
    private readonly long _minBudgetBytes;
    private long _lentBytes, _askedBytes, _budgetBytes;
    private bool _enabled;

    /// <summary>A pool whose budget of lent bytes between reclaims is at least <paramref name="minBudgetBytes"/>.</summary>
    public CpuBufferPool(long minBudgetBytes = MinBudgetBytes) => _budgetBytes = _minBudgetBytes = minBudgetBytes;

    /// <summary>Bytes in arrays waiting to be reused.</summary>
    public long FreeBytes
    {
        get { lock (_lock) return _returned.Bytes + _waiting.Bytes; }
    }

    /// <summary>An array of exactly <paramref name="length"/> elements for <paramref name="owner"/>: reused (stale contents) or new.</summary>
    /// <param name="length">Elements.</param>
    /// <param name="owner">The storage the array is lent to; its array comes back when it is disposed or unreachable.</param>
    /// <param name="clear">Zero-fill a reused array (a new array is zero already).</param>
    public T[] Rent<T>(int length, Storage owner, bool clear) where T : unmanaged
    {
        long bytes = (long)length * Unsafe.SizeOf<T>();
        T[] array;
        lock (_lock)
        {
            if (length >= MinPooledLength && _enabled) _askedBytes += bytes;
            if (length < MinPooledLength || !_enabled || _lentBytes + bytes > _budgetBytes) return clear ? new T[length] : GC.AllocateUninitializedArray<T>(length);
            array = (T[]?)(_returned.TryPop(typeof(T), length) ?? _waiting.TryPop(typeof(T), length)) ?? GC.AllocateUninitializedArray<T>(length);
            _lent[array] = new WeakReference<Storage>(owner);
            _lentBytes += bytes;
        }
        if (clear) Array.Clear(array);
        return array;
    }

    /// <summary>Takes back the array of a disposed storage.</summary>
    public void Return(Array array)
    {
        lock (_lock)
        {
            if (!_lent.Remove(array)) return;
            _lentBytes -= Buffer.ByteLength(array);
            _returned.Push(array);
        }
    }

    /// <summary>
    /// Drops the arrays that were free at the last call and are still unused, keeps those given back since, then takes
    /// back the arrays of storages that a garbage collection has found unreachable. Call it after a full, blocking
    /// collection, on the thread that allocates, while none of its kernels runs.
    /// </summary>
    public void ReclaimUnreachable()
    {
        lock (_lock)
        {
            if (_enabled) _budgetBytes = Math.Max(_minBudgetBytes, _askedBytes * 3 / 2);
            _enabled = true;
            _askedBytes = 0;
            _waiting.Clear();
            _returned.MoveTo(_waiting);
            var dead = _lent.Where(e => !e.Value.TryGetTarget(out _)).Select(e => e.Key).ToList();
            foreach (var array in dead)
            {
                _lent.Remove(array);
                _lentBytes -= Buffer.ByteLength(array);
                _waiting.Push(array);
            }
        }
    }

    // Free arrays by element type and length (not thread-safe: the pool locks).
    private sealed class FreeLists
    {
        private readonly Dictionary<(Type, int), Stack<Array>> _stacks = [];

        public long Bytes { get; private set; }

        public void Push(Array array)
        {
            var key = (array.GetType().GetElementType()!, array.Length);
            if (!_stacks.TryGetValue(key, out var stack)) _stacks[key] = stack = new Stack<Array>();
            stack.Push(array);
            Bytes += Buffer.ByteLength(array);
        }

        public Array? TryPop(Type element, int length)
        {
            if (!_stacks.TryGetValue((element, length), out var stack) || !stack.TryPop(out var array)) return null;
            Bytes -= Buffer.ByteLength(array);
            return array;
        }

        public void MoveTo(FreeLists other)
        {
            foreach (var stack in _stacks.Values)
                foreach (var array in stack) other.Push(array);
            Clear();
        }

        public void Clear()
        {
            _stacks.Clear();
            Bytes = 0;
        }
    }
}

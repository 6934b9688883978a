using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;

namespace Cac.Gpu;

/// <summary>
/// The ILGPU backend: every <see cref="IBackend"/> kernel as an ILGPU kernel on one accelerator (CUDA,
/// OpenCL, or ILGPU's CPU simulator for tests). Computes in float32 (Int32 for labels and indices).
/// Rules of the kernels (Kernels/*.cs): grid-stride loops over a fixed, modest grid; each kernel is
/// compiled on first use and kept in a field; all work goes to the accelerator's default stream, so
/// calls are ordered and a download waits for everything before it. Indices are 32-bit: one storage
/// holds at most int.MaxValue elements. Buffers come from a pool (<see cref="TrimPool"/>,
/// <see cref="CollectGarbage()"/>). Kernel variants follow the accelerator (<see cref="GpuKernelOptions"/>).
/// Families live in partial files (GpuBackend.Elementwise.cs, GpuBackend.Gemm.cs, ...).
/// </summary>
public sealed partial class GpuBackend : IBackend, IDisposable
{
    /// <summary>Largest thread group of the explicitly grouped kernels (reductions, batch norm): their shared scratch size.</summary>
    internal const int MaxGroupSize = 128;

    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly GpuMemoryPool _pool;
    private readonly GpuKernelOptions _options;
    private readonly int _gridThreads;
    private readonly int _maxGroups;
    private bool _disposed;

    internal GpuBackend(Device device, Context context, Accelerator accelerator, GpuKernelOptions? options = null)
    {
        _options = options ?? GpuKernelOptions.For(accelerator);
        _options.Validate(accelerator);
        Device = device;
        _context = context;
        _accelerator = accelerator;
        _pool = new GpuMemoryPool(accelerator);
        if (accelerator is CPUAccelerator)
        {
            // The simulator runs one OS thread per simulated thread and synchronises all of them around every launch
            // (docs/design.md, section 3): launch one group per simulated multiprocessor and let grid-stride loops do the rest.
            _gridThreads = accelerator.MaxNumThreadsPerGroup * accelerator.NumMultiprocessors;
            _maxGroups = accelerator.NumMultiprocessors;
        }
        else
        {
            _gridThreads = accelerator.NumMultiprocessors * accelerator.MaxNumThreadsPerMultiprocessor;
            _maxGroups = accelerator.NumMultiprocessors * Math.Max(1, accelerator.MaxNumThreadsPerMultiprocessor / _options.GroupSize);
        }
        if (ProfilingEnabled) AppDomain.CurrentDomain.ProcessExit += (_, _) => ReportProfile();
    }

    /// <inheritdoc />
    public Device Device { get; }

    /// <summary>The ILGPU accelerator this backend launches on.</summary>
    public Accelerator Accelerator => _accelerator;

    /// <summary>Bytes of device memory waiting in the pool for reuse.</summary>
    public long PooledBytes => _pool.PooledBytes;

    /// <summary>Device memory held by this backend's pool: live storages, waiting buffers, allocation counts.</summary>
    public GpuMemoryStatistics MemoryStatistics => _pool.Statistics;

    /// <summary>The GEMM kernel this backend launches (tiled in shared memory on GPUs, grid-stride on the simulator).</summary>
    internal GemmVariant GemmVariant => _options.Gemm;

    /// <summary>Threads per group of the grouped reduction kernels on this accelerator.</summary>
    internal int GroupSize => _options.GroupSize;

    /// <summary>
    /// Waits for the queued work, runs a full garbage collection and returns the buffers of storages that nobody disposed
    /// and that are unreachable now to the pool. Training loops do not need it: a <see cref="TensorScope"/> per step
    /// releases the step's storages deterministically. It is the explicit form of the safety net that
    /// <see cref="GpuMemoryPool.Rent{T}"/> runs after any collection.
    /// </summary>
    public void CollectGarbage()
    {
        Synchronize();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
        GC.WaitForPendingFinalizers();
        _pool.ReclaimUnreachable();
    }

    /// <summary>Frees the device buffers waiting in the pool (buffers of live storages are untouched).</summary>
    public void TrimPool()
    {
        _accelerator.Synchronize();
        _pool.Trim();
    }

    /// <summary>Waits until every queued kernel and copy has finished; ends the calling thread's current op (see <see cref="Own{T}"/>).</summary>
    public void Synchronize()
    {
        _accelerator.Synchronize();
        ReleaseInFlight();
    }

    /// <summary>Frees the pool, the lookup tables, the accelerator and the ILGPU context. Storages still alive become unusable.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _accelerator.Synchronize();
        ReportProfile();
        _pool.Dispose();
        _inFlight.Dispose();
        DisposeTables();
        _accelerator.Dispose();
        _context.Dispose();
    }

    // ---- launch helpers ----

    /// <summary>Threads to launch for a grid-stride loop over <paramref name="n"/> items.</summary>
    private int Threads(long n) => (int)Math.Min(n, _gridThreads);

    /// <summary>Groups to launch for a loop over <paramref name="items"/> group-sized work items.</summary>
    private int Groups(long items) => (int)Math.Max(1, Math.Min(items, _maxGroups));

    private KernelConfig GroupConfig(long items) => new(Groups(items), _options.GroupSize);

    /// <summary>A length as int, or an error: kernels index with 32-bit integers.</summary>
    internal static int Int(long n) => n <= int.MaxValue
        ? (int)n
        : throw new NotSupportedException($"the ILGPU backend indexes with 32-bit integers: {n} elements is too many for one kernel");

    // ---- storages ----

    private GpuStorage<T> Own<T>(Storage s) where T : unmanaged
    {
        if (s is not GpuStorage<T> own || !ReferenceEquals(own.Backend, this))
            throw new ArgumentException(s.Backend == this
                ? $"{Device.Name}: expected a {typeof(T).Name} storage, got {s.DType.Name()}"
                : $"{Device.Name}: the storage belongs to device {s.Backend.Device.Name}; move tensors with Tensor.To(device)");
        // An op holds views (ArrayView: the buffer, not the storage) from here until its kernels are launched. If the
        // storage's last reference dies meanwhile, the pool's safety net (GpuMemoryPool.ReclaimUnreachable, run by a
        // Rent after a collection) could hand its buffer to the op's own output. Keep every storage an op touches
        // reachable until this thread's next Synchronize or Download, i.e. past the end of the op. Per thread: another
        // thread's synchronisation never releases an op in progress here.
        _inFlight.Value!.Add(own);
        return own;
    }

    // Per thread, the storages touched by ops since that thread last synchronised (see Own).
    private readonly ThreadLocal<List<Storage>> _inFlight = new(() => []);

    private void ReleaseInFlight() => _inFlight.Value!.Clear();

    /// <summary>The float32 view of a storage.</summary>
    internal ArrayView<float> Floats(Storage s) => Own<float>(s).View;

    /// <summary>The Int32 view of a storage.</summary>
    internal ArrayView<int> Ints(Storage s) => Own<int>(s).View;

    /// <summary>A storage with undefined contents, for outputs the caller overwrites completely.</summary>
    internal Storage Rent(DType dtype, long length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return dtype switch
        {
            DType.Float32 => new GpuStorage<float>(this, _pool, dtype, length),
            DType.Int32 => new GpuStorage<int>(this, _pool, dtype, length),
            DType.Float64 => throw new NotSupportedException("the ILGPU backend computes in float32; gradient checks in float64 run on the CPU backend"),
            _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
        };
    }

    /// <inheritdoc />
    public Storage Allocate(DType dtype, long length)
    {
        var storage = Rent(dtype, length);
        if (length > 0)
        {
            if (dtype == DType.Int32) Own<int>(storage).View.MemSetToZero();
            else Own<float>(storage).View.MemSetToZero();
        }
        return storage;
    }

    /// <inheritdoc />
    public Storage Upload<T>(ReadOnlySpan<T> data) where T : unmanaged
    {
        var storage = Rent(DTypeOf<T>(), data.Length);
        HostCopy.Upload(Own<T>(storage).View, data);
        return storage;
    }

    /// <inheritdoc />
    public void Download<T>(Storage src, Span<T> dst) where T : unmanaged
    {
        // The copy waits for every queued kernel (one stream): the calling thread's ops have ended.
        if (src.DType != DTypeOf<T>())
            throw new ArgumentException($"cannot download a {src.DType.Name()} storage as {typeof(T).Name}");
        if (dst.Length < src.Length)
            throw new ArgumentException($"cannot download {src.Length} elements into a span of {dst.Length}");
        HostCopy.Download(Own<T>(src).View, dst[..checked((int)src.Length)]);
        Synchronize();
    }

    private static DType DTypeOf<T>() => typeof(T) == typeof(float) ? DType.Float32
        : typeof(T) == typeof(double) ? DType.Float64
        : typeof(T) == typeof(int) ? DType.Int32
        : throw new ArgumentException($"unsupported element type {typeof(T).Name}");
}

using Cac.Cpu.Kernels;

namespace Cac;

/// <summary>
/// The plain C# backend: managed arrays, SIMD through Vector&lt;T&gt;, multi-core through
/// <see cref="CpuParallel"/>. This file holds the backend itself: storage allocation, the buffer pool, copies, fill and
/// cast. The floating-point kernels (CpuBackend.Kernels.cs, .Conv.cs, .Cac.cs) are one-line forwards to the entry points
/// of <see cref="CpuKernels"/> for the storage dtype, picked in one place (<see cref="KernelsFor"/>); the kernels
/// themselves are generic over float and double (double serves gradient checks) and live in Cpu/Kernels, which mirrors
/// Cac.Gpu/Kernels.
/// </summary>
public sealed partial class CpuBackend(Device device) : IBackend
{
    /// <inheritdoc />
    public Device Device { get; } = device;

    /// <summary>
    /// Which kernels run convolutions and the CAC layer (see <see cref="CpuKernelChoice"/>): the plain reference loops,
    /// im2col + GEMM everywhere (the GPU's algorithm), or the fast kernels (the default: Winograd F(4x4, 3x3) where it
    /// applies, about 1.3-2.8x faster than the direct kernels here, the direct kernels, the fused CAC kernel). They round
    /// differently: Winograd's error is bounded through the 6 x 6 input window of each 4 x 4 output tile, so an output
    /// whose own 3 x 3 window is zero is a rounding-size value instead of exactly 0 (see ConvWinograd). Like
    /// torch.backends.mkldnn.enabled, a process-wide setting read at every call: set it before work starts.
    /// </summary>
    public static CpuKernelChoice Kernels { get; set; } = CpuKernelChoice.Fast;

    internal static T[] Data<T>(Storage s) where T : unmanaged => ((CpuStorage<T>)s).Data;

    // The one dtype dispatch of the floating-point kernels: float64 storages run the double kernels, all others the
    // float kernels.
    private static CpuKernels KernelsFor(Storage s) => s.DType == DType.Float64 ? CpuKernels<double>.Instance : CpuKernels<float>.Instance;

    // The arrays of disposed storages, for reuse by the next storage of the same length (see CpuBufferPool).
    private readonly CpuBufferPool _pool = new();

    /// <summary>Bytes of arrays waiting in the buffer pool for reuse.</summary>
    public long PooledBytes => _pool.FreeBytes;

    /// <summary>Drops the arrays waiting in the buffer pool (the garbage collector frees them).</summary>
    public void TrimPool() => _pool.Trim();

    /// <inheritdoc />
    public Storage Allocate(DType dtype, long length) => dtype switch
    {
        DType.Float32 => new CpuStorage<float>(this, _pool, dtype, length, clear: true),
        DType.Float64 => new CpuStorage<double>(this, _pool, dtype, length, clear: true),
        DType.Int32 => new CpuStorage<int>(this, _pool, dtype, length, clear: true),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <inheritdoc />
    public Storage AllocateUninitialized(DType dtype, long length) => dtype switch
    {
        DType.Float32 => Poisoned(new CpuStorage<float>(this, _pool, dtype, length, clear: false), float.NaN),
        DType.Float64 => Poisoned(new CpuStorage<double>(this, _pool, dtype, length, clear: false), double.NaN),
        DType.Int32 => Poisoned(new CpuStorage<int>(this, _pool, dtype, length, clear: false), int.MinValue),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    // Stale or fresh contents; debug builds poison them instead, so a kernel that reads (or adds to) its output fails tests.
    private static CpuStorage<T> Poisoned<T>(CpuStorage<T> storage, T poison) where T : unmanaged
    {
#if DEBUG
        Array.Fill(storage.Data, poison);
#else
        _ = poison;
#endif
        return storage;
    }

    /// <inheritdoc />
    public Storage Upload<T>(ReadOnlySpan<T> data) where T : unmanaged
    {
        var dtype = DTypeOf<T>();
        var storage = AllocateUninitialized(dtype, data.Length);
        data.CopyTo(Data<T>(storage));
        return storage;
    }

    /// <inheritdoc />
    public void Download<T>(Storage src, Span<T> dst) where T : unmanaged
    {
        if (src.DType != DTypeOf<T>())
            throw new ArgumentException($"cannot download a {src.DType.Name()} storage as {typeof(T).Name}");
        Data<T>(src).AsSpan().CopyTo(dst);
    }

    internal static DType DTypeOf<T>() => typeof(T) == typeof(float) ? DType.Float32
        : typeof(T) == typeof(double) ? DType.Float64
        : typeof(T) == typeof(int) ? DType.Int32
        : throw new ArgumentException($"unsupported element type {typeof(T).Name}");

    /// <inheritdoc />
    public void Copy(Storage src, long srcOffset, Storage dst, long dstOffset, long count) =>
        CopyBlocks(src, srcOffset, count, dst, dstOffset, count, 1, count);

    /// <inheritdoc />
    public void CopyBlocks(Storage src, long srcOffset, long srcStride, Storage dst, long dstOffset, long dstStride, long outer, long block)
    {
        switch (src.DType)
        {
            case DType.Float32: CopyKernels.CopyBlocks(Data<float>(src), srcOffset, srcStride, Data<float>(dst), dstOffset, dstStride, outer, block); break;
            case DType.Float64: CopyKernels.CopyBlocks(Data<double>(src), srcOffset, srcStride, Data<double>(dst), dstOffset, dstStride, outer, block); break;
            default: CopyKernels.CopyBlocks(Data<int>(src), srcOffset, srcStride, Data<int>(dst), dstOffset, dstStride, outer, block); break;
        }
    }

    /// <inheritdoc />
    public void Permute(Storage x, int[] xShape, int[] perm, Storage y)
    {
        switch (x.DType)
        {
            case DType.Float32: CopyKernels.Permute(Data<float>(x), xShape, perm, Data<float>(y)); break;
            case DType.Float64: CopyKernels.Permute(Data<double>(x), xShape, perm, Data<double>(y)); break;
            default: CopyKernels.Permute(Data<int>(x), xShape, perm, Data<int>(y)); break;
        }
    }

    /// <inheritdoc />
    public void Fill(Storage dst, double value)
    {
        switch (dst.DType)
        {
            case DType.Float32: Array.Fill(Data<float>(dst), (float)value); break;
            case DType.Float64: Array.Fill(Data<double>(dst), value); break;
            default: Array.Fill(Data<int>(dst), checked((int)value)); break;
        }
    }

    /// <inheritdoc />
    public void Cast(Storage src, Storage dst)
    {
        if (src.DType == DType.Float32 && dst.DType == DType.Float64)
        {
            var s = Data<float>(src); var d = Data<double>(dst);
            for (long i = 0; i < s.LongLength; i++) d[i] = s[i];
        }
        else if (src.DType == DType.Float64 && dst.DType == DType.Float32)
        {
            var s = Data<double>(src); var d = Data<float>(dst);
            for (long i = 0; i < s.LongLength; i++) d[i] = (float)s[i];
        }
        else
        {
            Copy(src, 0, dst, 0, src.Length);
        }
    }
}

namespace Cac;

/// <summary>
/// The plain C# backend: managed arrays, SIMD through Vector&lt;T&gt;, multi-core through
/// <see cref="CpuParallel"/>. Kernels are generic over float and double (double serves gradient checks);
/// each public method dispatches on the storage dtype to one generic implementation.
/// The kernels live in partial files by family (elementwise, GEMM, convolution, ...).
/// </summary>
public sealed partial class CpuBackend(Device device) : IBackend
{
    /// <inheritdoc />
    public Device Device { get; } = device;

    internal static T[] Data<T>(Storage s) where T : unmanaged => ((CpuStorage<T>)s).Data;

    private static bool IsDouble(Storage s) => s.DType == DType.Float64;

    /// <inheritdoc />
    public Storage Allocate(DType dtype, long length) => dtype switch
    {
        DType.Float32 => new CpuStorage<float>(this, dtype, new float[length]),
        DType.Float64 => new CpuStorage<double>(this, dtype, new double[length]),
        DType.Int32 => new CpuStorage<int>(this, dtype, new int[length]),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <inheritdoc />
    public Storage AllocateUninitialized(DType dtype, long length) => dtype switch
    {
        DType.Float32 => new CpuStorage<float>(this, dtype, Uninitialized(length, float.NaN)),
        DType.Float64 => new CpuStorage<double>(this, dtype, Uninitialized(length, double.NaN)),
        DType.Int32 => new CpuStorage<int>(this, dtype, Uninitialized(length, int.MinValue)),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    // Skips the zero fill; debug builds poison the array instead, so a kernel that reads (or adds to) its output fails tests.
    private static T[] Uninitialized<T>(long length, T poison)
    {
        var data = GC.AllocateUninitializedArray<T>(checked((int)length));
#if DEBUG
        Array.Fill(data, poison);
#else
        _ = poison;
#endif
        return data;
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
            case DType.Float32: CopyBlocks(Data<float>(src), srcOffset, srcStride, Data<float>(dst), dstOffset, dstStride, outer, block); break;
            case DType.Float64: CopyBlocks(Data<double>(src), srcOffset, srcStride, Data<double>(dst), dstOffset, dstStride, outer, block); break;
            default: CopyBlocks(Data<int>(src), srcOffset, srcStride, Data<int>(dst), dstOffset, dstStride, outer, block); break;
        }
    }

    private static void CopyBlocks<T>(T[] src, long srcOffset, long srcStride, T[] dst, long dstOffset, long dstStride, long outer, long block)
    {
        for (long o = 0; o < outer; o++)
            Array.Copy(src, srcOffset + o * srcStride, dst, dstOffset + o * dstStride, block);
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

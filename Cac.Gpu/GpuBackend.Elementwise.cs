using ILGPU;
using ILGPU.Runtime;
using Cac.Gpu.Kernels;

namespace Cac.Gpu;

// Elementwise kernels: unary, binary with broadcasting, affine, axpy, permute.
public sealed partial class GpuBackend
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>? _unary;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>? _unaryBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>? _binarySame;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>? _addRelu;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, Dims6, Dims6, Dims6, int, int, int>? _binary;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, float, float, int, int>? _affine;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>? _scaleShift;
    private Action<Index1D, float, ArrayView<float>, ArrayView<float>, int, int>? _axpy;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, Dims6, Dims6, int, int>? _permuteF;
    private Action<Index1D, ArrayView<int>, ArrayView<int>, Dims6, Dims6, int, int>? _permuteI;

    /// <inheritdoc />
    public void Unary(UnaryOp op, Storage x, Storage y)
    {
        int n = Int(x.Length);
        if (n == 0) return;
        _unary ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(ElementwiseKernels.Unary));
        _unary(Threads(n), Floats(x), Floats(y), (int)op, n, Threads(n));
    }

    /// <inheritdoc />
    public void UnaryBackward(UnaryOp op, Storage x, Storage y, Storage gy, Storage gx)
    {
        int n = Int(x.Length);
        if (n == 0) return;
        _unaryBackward ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(ElementwiseKernels.UnaryBackward));
        _unaryBackward(Threads(n), Floats(x), Floats(y), Floats(gy), Floats(gx), (int)op, n, Threads(n));
    }

    /// <inheritdoc />
    public void Binary(BinaryOp op, Storage a, long[] aStrides, Storage b, long[] bStrides, Storage y, int[] yShape)
    {
        int n = Int(y.Length);
        if (n == 0) return;
        var (shape, sa, sb) = Coalesce(yShape, aStrides, bStrides);
        if (shape.Count <= 1 && (shape.Count == 0 || (sa[0] == 1 && sb[0] == 1)) && a.Length == n && b.Length == n)
        {
            _binarySame ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(ElementwiseKernels.BinarySame));
            _binarySame(Threads(n), Floats(a), Floats(b), Floats(y), (int)op, n, Threads(n));
            return;
        }
        _binary ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, Dims6, Dims6, Dims6, int, int, int>(ElementwiseKernels.Binary));
        _binary(Threads(n), Floats(a), Floats(b), Floats(y), Dims6.From(shape.ToArray(), 1), Dims6.From(sa.ToArray(), 0), Dims6.From(sb.ToArray(), 0), (int)op, n, Threads(n));
    }

    /// <inheritdoc />
    public void AddRelu(Storage a, Storage b, Storage y)
    {
        int n = Int(y.Length);
        if (n == 0) return;
        _addRelu ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(ElementwiseKernels.AddRelu));
        _addRelu(Threads(n), Floats(a), Floats(b), Floats(y), n, Threads(n));
    }

    /// <summary>
    /// Drops extent-1 axes and merges neighbouring axes that both operands walk contiguously, so that
    /// broadcasts of any rank usually fit the kernels' six axes.
    /// </summary>
    internal static (List<long> Shape, List<long> A, List<long> B) Coalesce(int[] shape, long[] aStrides, long[] bStrides)
    {
        var s = new List<long>();
        var a = new List<long>();
        var b = new List<long>();
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 1) continue;
            int last = s.Count - 1;
            if (last >= 0 && a[last] == aStrides[d] * shape[d] && b[last] == bStrides[d] * shape[d])
            {
                s[last] *= shape[d];
                a[last] = aStrides[d];
                b[last] = bStrides[d];
                continue;
            }
            s.Add(shape[d]);
            a.Add(aStrides[d]);
            b.Add(bStrides[d]);
        }
        return (s, a, b);
    }

    /// <inheritdoc />
    public void Affine(Storage x, Storage y, double scale, double shift)
    {
        int n = Int(x.Length);
        if (n == 0) return;
        _affine ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float, float, int, int>(ElementwiseKernels.Affine));
        _affine(Threads(n), Floats(x), Floats(y), (float)scale, (float)shift, n, Threads(n));
    }

    /// <inheritdoc />
    public void ScaleShift(Storage x, Storage y, Storage scale, Storage? shift)
    {
        int n = Int(x.Length);
        if (n == 0) return;
        _scaleShift ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(ElementwiseKernels.ScaleShift));
        // Without a shift the kernel reads the scale again and adds nothing (hasShift = 0).
        _scaleShift(Threads(n), Floats(x), Floats(y), Floats(scale), shift is null ? Floats(scale) : Floats(shift), shift is null ? 0 : 1, n, Threads(n));
    }

    /// <inheritdoc />
    public void Axpy(double alpha, Storage x, Storage y)
    {
        int n = Int(x.Length);
        if (n == 0) return;
        _axpy ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, float, ArrayView<float>, ArrayView<float>, int, int>(ElementwiseKernels.Axpy));
        _axpy(Threads(n), (float)alpha, Floats(x), Floats(y), n, Threads(n));
    }

    /// <inheritdoc />
    public void Permute(Storage x, int[] xShape, int[] perm, Storage y)
    {
        int n = Int(y.Length);
        if (n == 0) return;
        var xStrides = Shape.Strides(xShape);
        int[] yShape = perm.Select(p => xShape[p]).ToArray();
        long[] src = perm.Select(p => xStrides[p]).ToArray();
        // The destination is contiguous: coalesce against its own strides.
        var (shape, srcStrides, _) = Coalesce(yShape, src, Shape.Strides(yShape));
        var dShape = Dims6.From(shape.ToArray(), 1);
        var dStrides = Dims6.From(srcStrides.ToArray(), 0);
        if (x.DType == DType.Int32)
        {
            _permuteI ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<int>, Dims6, Dims6, int, int>(ElementwiseKernels.Permute));
            _permuteI(Threads(n), Ints(x), Ints(y), dShape, dStrides, n, Threads(n));
        }
        else
        {
            _permuteF ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, Dims6, Dims6, int, int>(ElementwiseKernels.Permute));
            _permuteF(Threads(n), Floats(x), Floats(y), dShape, dStrides, n, Threads(n));
        }
    }
}

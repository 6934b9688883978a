using ILGPU;
using ILGPU.Runtime;
using Cac.Gpu.Kernels;

namespace Cac.Gpu;

// Softmax, log-softmax and fused cross-entropy (Kernels/SoftmaxKernels.cs).
public sealed partial class GpuBackend
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int>? _softmax;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>? _softmaxBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int>? _crossEntropy;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int>? _crossEntropyBackward;

    /// <inheritdoc />
    public void Softmax(Storage x, Storage y, int rows, int cols, bool log)
    {
        if (rows == 0 || cols == 0) return;
        Int((long)rows * cols);
        _softmax ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int>(SoftmaxKernels.Forward));
        _softmax(Threads(rows), Floats(x), Floats(y), rows, cols, log ? 1 : 0, Threads(rows));
    }

    /// <inheritdoc />
    public void SoftmaxBackward(Storage y, Storage gy, Storage gx, int rows, int cols, bool log)
    {
        if (rows == 0 || cols == 0) return;
        Int((long)rows * cols);
        _softmaxBackward ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(SoftmaxKernels.Backward));
        _softmaxBackward(Threads(rows), Floats(y), Floats(gy), Floats(gx), rows, cols, log ? 1 : 0, Threads(rows));
    }

    /// <inheritdoc />
    public void SoftmaxCrossEntropy(Storage logits, Storage labels, Storage losses, Storage probs, int rows, int cols)
    {
        if (rows == 0 || cols == 0) return;
        Int((long)rows * cols);
        _crossEntropy ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int>(SoftmaxKernels.CrossEntropy));
        _crossEntropy(Threads(rows), Floats(logits), Ints(labels), Floats(losses), Floats(probs), rows, cols, Threads(rows));
    }

    /// <inheritdoc />
    public void SoftmaxCrossEntropyBackward(Storage probs, Storage labels, Storage gLosses, Storage gx, int rows, int cols)
    {
        int n = Int((long)rows * cols);
        if (n == 0) return;
        _crossEntropyBackward ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int>(SoftmaxKernels.CrossEntropyBackward));
        _crossEntropyBackward(Threads(n), Floats(probs), Ints(labels), Floats(gLosses), Floats(gx), cols, n, Threads(n));
    }
}

using Cac.Cpu.Kernels;

namespace Cac;

// The floating-point kernels of IBackend.cs, each forwarded to the entry point of the same name in Kernels/CpuKernels.cs
// for the dtype of its storages (KernelsFor in CpuBackend.cs). Convolutions: CpuBackend.Conv.cs; CAC: CpuBackend.Cac.cs.
public sealed partial class CpuBackend
{
    // ---- elementwise (Kernels/ElementwiseKernels.cs) ----

    /// <inheritdoc />
    public void Unary(UnaryOp op, Storage x, Storage y) => KernelsFor(x).Unary(op, x, y);

    /// <inheritdoc />
    public void UnaryBackward(UnaryOp op, Storage x, Storage y, Storage gy, Storage gx) => KernelsFor(x).UnaryBackward(op, x, y, gy, gx);

    /// <inheritdoc />
    public void Binary(BinaryOp op, Storage a, long[] aStrides, Storage b, long[] bStrides, Storage y, int[] yShape) =>
        KernelsFor(a).Binary(op, a, aStrides, b, bStrides, y, yShape);

    /// <inheritdoc />
    public void Affine(Storage x, Storage y, double scale, double shift) => KernelsFor(x).Affine(x, y, scale, shift);

    /// <inheritdoc />
    public void ScaleShift(Storage x, Storage y, Storage scale, Storage? shift) => KernelsFor(x).ScaleShift(x, y, scale, shift);

    /// <inheritdoc />
    public void Axpy(double alpha, Storage x, Storage y) => KernelsFor(x).Axpy(alpha, x, y);

    /// <inheritdoc />
    public void AddRelu(Storage a, Storage b, Storage y) => KernelsFor(a).AddRelu(a, b, y);

    // ---- reductions (Kernels/ReduceKernels.cs) ----

    /// <inheritdoc />
    public void SumToShape(Storage x, int[] xShape, Storage y, int[] yShape) => KernelsFor(x).SumToShape(x, xShape, y, yShape);

    /// <inheritdoc />
    public void ReduceSum(Storage x, Storage y, int outer, int reduce, int inner) => KernelsFor(x).ReduceSum(x, y, outer, reduce, inner);

    // ---- linear algebra (Kernels/Gemm.cs) ----

    /// <inheritdoc />
    public void Gemm(bool transA, bool transB, int m, int n, int k, double alpha, Storage a, long aOffset, Storage b, long bOffset, double beta, Storage c, long cOffset) =>
        KernelsFor(c).Gemm(transA, transB, m, n, k, alpha, a, aOffset, b, bOffset, beta, c, cOffset);

    // ---- normalisation (Kernels/BatchNormKernels.cs) ----

    /// <inheritdoc />
    public void BatchNormTrainForward(Storage x, Storage gamma, Storage beta, Storage y, Storage saveMean, Storage saveInvStd,
        Storage runningMean, Storage runningVar, int n, int c, int hw, double momentum, double eps, bool relu) =>
        KernelsFor(x).BatchNormTrainForward(x, gamma, beta, y, saveMean, saveInvStd, runningMean, runningVar, n, c, hw, momentum, eps, relu);

    /// <inheritdoc />
    public void BatchNormEvalForward(Storage x, Storage gamma, Storage beta, Storage runningMean, Storage runningVar, Storage y,
        int n, int c, int hw, double eps) =>
        KernelsFor(x).BatchNormEvalForward(x, gamma, beta, runningMean, runningVar, y, n, c, hw, eps);

    /// <inheritdoc />
    public void BatchNormBackward(Storage x, Storage? reluOutput, Storage gy, Storage gamma, Storage mean, Storage invStd,
        Storage gx, Storage gGamma, Storage gBeta, int n, int c, int hw, bool batchStats) =>
        KernelsFor(x).BatchNormBackward(x, reluOutput, gy, gamma, mean, invStd, gx, gGamma, gBeta, n, c, hw, batchStats);

    // ---- pooling (Kernels/PoolKernels.cs) ----

    /// <inheritdoc />
    public void MaxPool2dForward(Storage x, Storage y, Storage indices, PoolGeometry geometry) => KernelsFor(x).MaxPool2dForward(x, y, indices, geometry);

    /// <inheritdoc />
    public void MaxPool2dBackward(Storage gy, Storage indices, Storage gx, PoolGeometry geometry) => KernelsFor(gy).MaxPool2dBackward(gy, indices, gx, geometry);

    /// <inheritdoc />
    public void AvgPool2dForward(Storage x, Storage y, PoolGeometry geometry, bool countIncludePad) =>
        KernelsFor(x).AvgPool2dForward(x, y, geometry, countIncludePad);

    /// <inheritdoc />
    public void AvgPool2dBackward(Storage gy, Storage gx, PoolGeometry geometry, bool countIncludePad) =>
        KernelsFor(gy).AvgPool2dBackward(gy, gx, geometry, countIncludePad);

    /// <inheritdoc />
    public void AdaptiveAvgPool2dForward(Storage x, Storage y, int planes, int h, int w, int ho, int wo) =>
        KernelsFor(x).AdaptiveAvgPool2dForward(x, y, planes, h, w, ho, wo);

    /// <inheritdoc />
    public void AdaptiveAvgPool2dBackward(Storage gy, Storage gx, int planes, int h, int w, int ho, int wo) =>
        KernelsFor(gy).AdaptiveAvgPool2dBackward(gy, gx, planes, h, w, ho, wo);

    // ---- resizing (Kernels/ResizeKernels.cs) ----

    /// <inheritdoc />
    public void Upsample2dForward(Storage x, Storage y, int planes, int h, int w, int ho, int wo, bool bilinear, bool alignCorners) =>
        KernelsFor(x).Upsample2dForward(x, y, planes, h, w, ho, wo, bilinear, alignCorners);

    /// <inheritdoc />
    public void Upsample2dBackward(Storage gy, Storage gx, int planes, int h, int w, int ho, int wo, bool bilinear, bool alignCorners) =>
        KernelsFor(gy).Upsample2dBackward(gy, gx, planes, h, w, ho, wo, bilinear, alignCorners);

    /// <inheritdoc />
    public void Pad2dForward(Storage x, Storage y, int planes, int h, int w, int top, int bottom, int left, int right, double value) =>
        KernelsFor(x).Pad2dForward(x, y, planes, h, w, top, bottom, left, right, value);

    /// <inheritdoc />
    public void Pad2dBackward(Storage gy, Storage gx, int planes, int h, int w, int top, int bottom, int left, int right) =>
        KernelsFor(gy).Pad2dBackward(gy, gx, planes, h, w, top, bottom, left, right);

    // ---- softmax and losses (Kernels/SoftmaxKernels.cs) ----

    /// <inheritdoc />
    public void Softmax(Storage x, Storage y, int rows, int cols, bool log) => KernelsFor(x).Softmax(x, y, rows, cols, log);

    /// <inheritdoc />
    public void SoftmaxBackward(Storage y, Storage gy, Storage gx, int rows, int cols, bool log) =>
        KernelsFor(y).SoftmaxBackward(y, gy, gx, rows, cols, log);

    /// <inheritdoc />
    public void SoftmaxCrossEntropy(Storage logits, Storage labels, Storage losses, Storage probs, int rows, int cols) =>
        KernelsFor(logits).SoftmaxCrossEntropy(logits, labels, losses, probs, rows, cols);

    /// <inheritdoc />
    public void SoftmaxCrossEntropyBackward(Storage probs, Storage labels, Storage gLosses, Storage gx, int rows, int cols) =>
        KernelsFor(probs).SoftmaxCrossEntropyBackward(probs, labels, gLosses, gx, rows, cols);

    // ---- random (Kernels/DropoutKernel.cs) ----

    /// <inheritdoc />
    public void DropoutMask(Storage mask, double p, ulong seed) => KernelsFor(mask).DropoutMask(mask, p, seed);

    // ---- optimizers (Kernels/OptimizerKernels.cs) ----

    /// <inheritdoc />
    public void SgdStep(Storage param, Storage grad, Storage? momentumBuffer, double lr, double momentum, double dampening, double weightDecay, bool nesterov, bool firstStep) =>
        KernelsFor(param).SgdStep(param, grad, momentumBuffer, lr, momentum, dampening, weightDecay, nesterov, firstStep);

    /// <inheritdoc />
    public void AdamStep(Storage param, Storage grad, Storage m, Storage v, double lr, double beta1, double beta2, double eps, double weightDecay, bool decoupledWeightDecay, long step) =>
        KernelsFor(param).AdamStep(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay, step);
}

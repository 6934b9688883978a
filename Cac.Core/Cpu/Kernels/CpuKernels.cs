using System.Numerics;

namespace Cac.Cpu.Kernels;

/// <summary>
/// The floating-point kernels of the CPU backend behind one dtype dispatch: <see cref="CpuBackend"/> picks the instance
/// for a storage's dtype once (CpuBackend.KernelsFor) and calls the entry point of the same name, whose
/// <see cref="CpuKernels{T}"/> override unwraps the storages into T[] arrays and calls the kernel class of the family
/// (in the file of this folder named above each group; its header names the GPU twin in Cac.Gpu/Kernels). Arguments
/// and contracts are those of <see cref="IBackend"/>.
/// </summary>
internal abstract class CpuKernels
{
    // ElementwiseKernels.cs
    public abstract void Unary(UnaryOp op, Storage x, Storage y);
    public abstract void UnaryBackward(UnaryOp op, Storage x, Storage y, Storage gy, Storage gx);
    public abstract void Binary(BinaryOp op, Storage a, long[] aStrides, Storage b, long[] bStrides, Storage y, int[] yShape);
    public abstract void Affine(Storage x, Storage y, double scale, double shift);
    public abstract void ScaleShift(Storage x, Storage y, Storage scale, Storage? shift);
    public abstract void Axpy(double alpha, Storage x, Storage y);
    public abstract void AddRelu(Storage a, Storage b, Storage y);

    // ReduceKernels.cs
    public abstract void SumToShape(Storage x, int[] xShape, Storage y, int[] yShape);
    public abstract void ReduceSum(Storage x, Storage y, int outer, int reduce, int inner);

    // Gemm.cs
    public abstract void Gemm(bool transA, bool transB, int m, int n, int k, double alpha,
        Storage a, long aOffset, Storage b, long bOffset, double beta, Storage c, long cOffset);

    // Conv/CpuConv.cs
    public abstract void Conv2dForward(Storage x, Storage w, Storage? bias, Storage y, ConvGeometry geometry);
    public abstract void Conv2dForwardFused(Storage x, Storage w, Storage? bias, Storage? scale, Storage? shift, Storage? residual, bool relu,
        Storage y, ConvGeometry geometry);
    public abstract void Conv2dBackwardInput(Storage gy, Storage w, Storage gx, ConvGeometry geometry);
    public abstract void Conv2dBackwardWeight(Storage x, Storage gy, Storage gw, ConvGeometry geometry);

    // BatchNormKernels.cs
    public abstract void BatchNormTrainForward(Storage x, Storage gamma, Storage beta, Storage y, Storage saveMean, Storage saveInvStd,
        Storage runningMean, Storage runningVar, int n, int c, int hw, double momentum, double eps, bool relu);
    public abstract void BatchNormEvalForward(Storage x, Storage gamma, Storage beta, Storage runningMean, Storage runningVar, Storage y,
        int n, int c, int hw, double eps);
    public abstract void BatchNormBackward(Storage x, Storage? reluOutput, Storage gy, Storage gamma, Storage mean, Storage invStd,
        Storage gx, Storage gGamma, Storage gBeta, int n, int c, int hw, bool batchStats);

    // PoolKernels.cs
    public abstract void MaxPool2dForward(Storage x, Storage y, Storage indices, PoolGeometry geometry);
    public abstract void MaxPool2dBackward(Storage gy, Storage indices, Storage gx, PoolGeometry geometry);
    public abstract void AvgPool2dForward(Storage x, Storage y, PoolGeometry geometry, bool countIncludePad);
    public abstract void AvgPool2dBackward(Storage gy, Storage gx, PoolGeometry geometry, bool countIncludePad);
    public abstract void AdaptiveAvgPool2dForward(Storage x, Storage y, int planes, int h, int w, int ho, int wo);
    public abstract void AdaptiveAvgPool2dBackward(Storage gy, Storage gx, int planes, int h, int w, int ho, int wo);

    // ResizeKernels.cs
    public abstract void Upsample2dForward(Storage x, Storage y, int planes, int h, int w, int ho, int wo, bool bilinear, bool alignCorners);
    public abstract void Upsample2dBackward(Storage gy, Storage gx, int planes, int h, int w, int ho, int wo, bool bilinear, bool alignCorners);
    public abstract void Pad2dForward(Storage x, Storage y, int planes, int h, int w, int top, int bottom, int left, int right, double value);
    public abstract void Pad2dBackward(Storage gy, Storage gx, int planes, int h, int w, int top, int bottom, int left, int right);

    // SoftmaxKernels.cs
    public abstract void Softmax(Storage x, Storage y, int rows, int cols, bool log);
    public abstract void SoftmaxBackward(Storage y, Storage gy, Storage gx, int rows, int cols, bool log);
    public abstract void SoftmaxCrossEntropy(Storage logits, Storage labels, Storage losses, Storage probs, int rows, int cols);
    public abstract void SoftmaxCrossEntropyBackward(Storage probs, Storage labels, Storage gLosses, Storage gx, int rows, int cols);

    // DropoutKernel.cs
    public abstract void DropoutMask(Storage mask, double p, ulong seed);

    // OptimizerKernels.cs
    public abstract void SgdStep(Storage param, Storage grad, Storage? momentumBuffer, double lr, double momentum, double dampening,
        double weightDecay, bool nesterov, bool firstStep);
    public abstract void AdamStep(Storage param, Storage grad, Storage m, Storage v, double lr, double beta1, double beta2, double eps,
        double weightDecay, bool decoupledWeightDecay, long step);

    // CacScoreKernels.cs
    public abstract void CacSobelScore(Storage xbar, Storage score, ConvGeometry geometry, int smooth);
    public abstract void CacInputScore(Storage x, int channels, Storage score, ConvGeometry geometry, int smooth);
    public abstract void CacStep(Storage x, Storage y);
    public abstract void CacScoreGrad(Storage gy, Storage y, Storage score, Storage gScore, int n, int channels, int positions);

    // CacPartitionKernels.cs
    public abstract int CacPartition(Storage score, long count, Storage order);

    // CacGatherKernels.cs
    public abstract void CacGatherWindows(Storage x, Storage idx, long idxOffset, int count, Storage cols, ConvGeometry geometry);
    public abstract void CacScatterWindows(Storage cols, Storage idx, long idxOffset, int count, Storage gx, ConvGeometry geometry);
    public abstract void CacGatherPoints(Storage x, Storage idx, long idxOffset, int count, Storage points, ConvGeometry geometry, CacSamplePoint point);
    public abstract void CacScatterPoints(Storage points, Storage idx, long idxOffset, int count, Storage gx, ConvGeometry geometry, CacSamplePoint point);
    public abstract void CacScatterColumns(Storage cols, Storage? bias, Storage idx, long idxOffset, int count, Storage y, int channels, int positions);
    public abstract void CacGatherColumns(Storage src, Storage idx, long idxOffset, int count, Storage cols, int channels, int positions);
    public abstract void CacSumTaps(Storage w, Storage wPhi, int rows, int taps);
    public abstract void CacSpreadTaps(Storage gwPhi, Storage gw, int rows, int taps);
    public abstract void CacSamplePoints(Storage x, Storage y, ConvGeometry geometry, CacSamplePoint point);
    public abstract void CacSamplePointsBackward(Storage gy, Storage gx, ConvGeometry geometry, CacSamplePoint point);

    // CacSparse/CpuCacSparse.cs
    public abstract void CacSparseForward(Storage x, Storage w, Storage wPhi, Storage? bias, Storage order, int sharp, Storage y,
        ConvGeometry geometry, CacSamplePoint point);
    public abstract void CacSparseBackward(Storage x, Storage w, Storage wPhi, Storage gy, Storage order, int sharp, Storage? gx, Storage? gw,
        ConvGeometry geometry, CacSamplePoint point);
    public abstract int CacLayerForward(Storage x, Storage w, Storage wPhi, Storage? bias, Storage gamma, Storage beta, Storage scoreMap,
        Storage mask, Storage y, ConvGeometry geometry, CacSamplePoint point, int smooth);
}

/// <summary>
/// The entry points of <see cref="CpuKernels"/> for one element type (float, or double for gradient checks): each unwraps
/// its storages into T[] arrays, converts double scalars to T, and calls its kernel. One instance per type, no state.
/// </summary>
internal sealed class CpuKernels<T> : CpuKernels where T : unmanaged, IFloatingPointIeee754<T>
{
    // Whether the plain loops of Cpu/Reference run instead of the fast kernels (CpuBackend.Kernels, read at every call).
    private static bool Reference => CpuBackend.Kernels == CpuKernelChoice.Reference;

    public static readonly CpuKernels<T> Instance = new();

    private CpuKernels() { }

    private static T[] Data(Storage s) => CpuBackend.Data<T>(s);

    private static T[]? DataOrNull(Storage? s) => s is null ? null : CpuBackend.Data<T>(s);

    private static int[] Indices(Storage s) => CpuBackend.Data<int>(s);

    private static T Scalar(double value) => T.CreateTruncating(value);

    public override void Unary(UnaryOp op, Storage x, Storage y) => ElementwiseKernels<T>.Unary(op, Data(x), Data(y));

    public override void UnaryBackward(UnaryOp op, Storage x, Storage y, Storage gy, Storage gx) =>
        ElementwiseKernels<T>.UnaryBackward(op, Data(x), Data(y), Data(gy), Data(gx));

    public override void Binary(BinaryOp op, Storage a, long[] aStrides, Storage b, long[] bStrides, Storage y, int[] yShape) =>
        ElementwiseKernels<T>.Binary(op, Data(a), aStrides, Data(b), bStrides, Data(y), yShape);

    public override void Affine(Storage x, Storage y, double scale, double shift) =>
        ElementwiseKernels<T>.Affine(Data(x), Data(y), Scalar(scale), Scalar(shift));

    // The scalars are read from their one-element storages here, on the host, as Tensor.Item() reads them.
    public override void ScaleShift(Storage x, Storage y, Storage scale, Storage? shift) =>
        ElementwiseKernels<T>.Affine(Data(x), Data(y), Data(scale)[0], shift is null ? T.Zero : Data(shift)[0]);

    public override void Axpy(double alpha, Storage x, Storage y) => ElementwiseKernels<T>.Axpy(Scalar(alpha), Data(x), Data(y));

    public override void AddRelu(Storage a, Storage b, Storage y) => ElementwiseKernels<T>.AddRelu(Data(a), Data(b), Data(y));

    public override void SumToShape(Storage x, int[] xShape, Storage y, int[] yShape) =>
        ReduceKernels<T>.SumToShape(Data(x), xShape, Data(y), yShape);

    public override void ReduceSum(Storage x, Storage y, int outer, int reduce, int inner) =>
        ReduceKernels<T>.ReduceSum(Data(x), Data(y), outer, reduce, inner);

    public override void Gemm(bool transA, bool transB, int m, int n, int k, double alpha,
        Storage a, long aOffset, Storage b, long bOffset, double beta, Storage c, long cOffset) =>
        CpuGemm<T>.Multiply(transA, transB, m, n, k, Scalar(alpha), Data(a), aOffset, Data(b), bOffset, Scalar(beta), Data(c), cOffset, parallel: true);

    // Convolutions: the plain loops of Cpu/Reference/ConvReference.cs under CpuKernelChoice.Reference; otherwise CpuConv
    // picks Winograd, the direct kernels or im2col + GEMM (Gemm: im2col + GEMM only).
    public override void Conv2dForward(Storage x, Storage w, Storage? bias, Storage y, ConvGeometry geometry)
    {
        if (Reference) ConvReference.Forward(Data(x), Data(w), DataOrNull(bias), Data(y), geometry);
        else CpuConv<T>.Forward(Data(x), Data(w), DataOrNull(bias), Data(y), geometry);
    }

    public override void Conv2dForwardFused(Storage x, Storage w, Storage? bias, Storage? scale, Storage? shift, Storage? residual, bool relu,
        Storage y, ConvGeometry geometry)
    {
        if (Reference)
            ConvReference.ForwardAffine(Data(x), Data(w), DataOrNull(bias), DataOrNull(scale), DataOrNull(shift), DataOrNull(residual), relu,
                Data(y), geometry);
        else
            CpuConv<T>.Forward(Data(x), Data(w), Data(y), geometry,
                ConvEpilogue<T>.Fused(DataOrNull(bias), DataOrNull(scale), DataOrNull(shift), DataOrNull(residual), relu, geometry.Cout));
    }

    public override void Conv2dBackwardInput(Storage gy, Storage w, Storage gx, ConvGeometry geometry)
    {
        if (Reference) ConvReference.BackwardInput(Data(gy), Data(w), Data(gx), geometry);
        else CpuConv<T>.BackwardInput(Data(gy), Data(w), Data(gx), geometry);
    }

    public override void Conv2dBackwardWeight(Storage x, Storage gy, Storage gw, ConvGeometry geometry)
    {
        if (Reference) ConvReference.BackwardWeight(Data(x), Data(gy), Data(gw), geometry);
        else CpuConv<T>.BackwardWeight(Data(x), Data(gy), Data(gw), geometry);
    }

    public override void BatchNormTrainForward(Storage x, Storage gamma, Storage beta, Storage y, Storage saveMean, Storage saveInvStd,
        Storage runningMean, Storage runningVar, int n, int c, int hw, double momentum, double eps, bool relu) =>
        BatchNormKernels<T>.BatchNormTrainForward(Data(x), Data(gamma), Data(beta), Data(y), Data(saveMean), Data(saveInvStd),
            Data(runningMean), Data(runningVar), n, c, hw, momentum, eps, relu);

    public override void BatchNormEvalForward(Storage x, Storage gamma, Storage beta, Storage runningMean, Storage runningVar, Storage y,
        int n, int c, int hw, double eps) =>
        BatchNormKernels<T>.BatchNormEvalForward(Data(x), Data(gamma), Data(beta), Data(runningMean), Data(runningVar), Data(y), n, c, hw, eps);

    public override void BatchNormBackward(Storage x, Storage? reluOutput, Storage gy, Storage gamma, Storage mean, Storage invStd,
        Storage gx, Storage gGamma, Storage gBeta, int n, int c, int hw, bool batchStats) =>
        BatchNormKernels<T>.BatchNormBackward(Data(x), DataOrNull(reluOutput), Data(gy), Data(gamma), Data(mean), Data(invStd),
            Data(gx), Data(gGamma), Data(gBeta), n, c, hw, batchStats);

    public override void MaxPool2dForward(Storage x, Storage y, Storage indices, PoolGeometry geometry) =>
        PoolKernels<T>.MaxPool2dForward(Data(x), Data(y), Indices(indices), geometry);

    public override void MaxPool2dBackward(Storage gy, Storage indices, Storage gx, PoolGeometry geometry) =>
        PoolKernels<T>.MaxPool2dBackward(Data(gy), Indices(indices), Data(gx), geometry);

    public override void AvgPool2dForward(Storage x, Storage y, PoolGeometry geometry, bool countIncludePad) =>
        PoolKernels<T>.AvgPool2d(Data(x), Data(y), geometry, countIncludePad, backward: false);

    public override void AvgPool2dBackward(Storage gy, Storage gx, PoolGeometry geometry, bool countIncludePad) =>
        PoolKernels<T>.AvgPool2d(Data(gx), Data(gy), geometry, countIncludePad, backward: true);

    public override void AdaptiveAvgPool2dForward(Storage x, Storage y, int planes, int h, int w, int ho, int wo) =>
        PoolKernels<T>.AdaptiveAvgPool2d(Data(x), Data(y), planes, h, w, ho, wo, backward: false);

    public override void AdaptiveAvgPool2dBackward(Storage gy, Storage gx, int planes, int h, int w, int ho, int wo) =>
        PoolKernels<T>.AdaptiveAvgPool2d(Data(gx), Data(gy), planes, h, w, ho, wo, backward: true);

    public override void Upsample2dForward(Storage x, Storage y, int planes, int h, int w, int ho, int wo, bool bilinear, bool alignCorners) =>
        ResizeKernels<T>.Upsample2d(Data(x), Data(y), planes, h, w, ho, wo, bilinear, alignCorners, backward: false);

    public override void Upsample2dBackward(Storage gy, Storage gx, int planes, int h, int w, int ho, int wo, bool bilinear, bool alignCorners) =>
        ResizeKernels<T>.Upsample2d(Data(gx), Data(gy), planes, h, w, ho, wo, bilinear, alignCorners, backward: true);

    public override void Pad2dForward(Storage x, Storage y, int planes, int h, int w, int top, int bottom, int left, int right, double value) =>
        ResizeKernels<T>.Pad2d(Data(x), Data(y), planes, h, w, top, bottom, left, right, Scalar(value), backward: false);

    public override void Pad2dBackward(Storage gy, Storage gx, int planes, int h, int w, int top, int bottom, int left, int right) =>
        ResizeKernels<T>.Pad2d(Data(gx), Data(gy), planes, h, w, top, bottom, left, right, T.Zero, backward: true);

    public override void Softmax(Storage x, Storage y, int rows, int cols, bool log) =>
        SoftmaxKernels<T>.Softmax(Data(x), Data(y), rows, cols, log);

    public override void SoftmaxBackward(Storage y, Storage gy, Storage gx, int rows, int cols, bool log) =>
        SoftmaxKernels<T>.SoftmaxBackward(Data(y), Data(gy), Data(gx), rows, cols, log);

    public override void SoftmaxCrossEntropy(Storage logits, Storage labels, Storage losses, Storage probs, int rows, int cols) =>
        SoftmaxKernels<T>.SoftmaxCrossEntropy(Data(logits), Indices(labels), Data(losses), Data(probs), rows, cols);

    public override void SoftmaxCrossEntropyBackward(Storage probs, Storage labels, Storage gLosses, Storage gx, int rows, int cols) =>
        SoftmaxKernels<T>.SoftmaxCrossEntropyBackward(Data(probs), Indices(labels), Data(gLosses), Data(gx), rows, cols);

    public override void DropoutMask(Storage mask, double p, ulong seed) =>
        DropoutKernel<T>.DropoutMask(Data(mask), p, seed, Scalar(1.0 / (1.0 - p)));

    public override void SgdStep(Storage param, Storage grad, Storage? momentumBuffer, double lr, double momentum, double dampening,
        double weightDecay, bool nesterov, bool firstStep) =>
        OptimizerKernels<T>.SgdStep(Data(param), Data(grad), DataOrNull(momentumBuffer), lr, momentum, dampening, weightDecay, nesterov, firstStep);

    public override void AdamStep(Storage param, Storage grad, Storage m, Storage v, double lr, double beta1, double beta2, double eps,
        double weightDecay, bool decoupledWeightDecay, long step) =>
        OptimizerKernels<T>.AdamStep(Data(param), Data(grad), Data(m), Data(v), lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay, step);

    public override void CacSobelScore(Storage xbar, Storage score, ConvGeometry geometry, int smooth) =>
        CacScoreKernels<T>.Sobel(Data(xbar), Data(score), geometry, smooth);

    public override void CacInputScore(Storage x, int channels, Storage score, ConvGeometry geometry, int smooth) =>
        CacScoreKernels<T>.InputSobel(Data(x), channels, Data(score), geometry, smooth);

    public override void CacStep(Storage x, Storage y) => CacScoreKernels<T>.Step(Data(x), Data(y));

    public override void CacScoreGrad(Storage gy, Storage y, Storage score, Storage gScore, int n, int channels, int positions) =>
        CacScoreKernels<T>.ScoreGrad(Data(gy), Data(y), Data(score), Data(gScore), n, channels, positions);

    public override int CacPartition(Storage score, long count, Storage order) =>
        CacPartitionKernels<T>.Partition(Data(score), count, Indices(order));

    public override void CacGatherWindows(Storage x, Storage idx, long idxOffset, int count, Storage cols, ConvGeometry geometry) =>
        CacGatherKernels<T>.GatherWindows(Data(x), Indices(idx), idxOffset, count, Data(cols), geometry);

    public override void CacScatterWindows(Storage cols, Storage idx, long idxOffset, int count, Storage gx, ConvGeometry geometry) =>
        CacGatherKernels<T>.ScatterWindows(Data(cols), Indices(idx), idxOffset, count, Data(gx), geometry);

    public override void CacGatherPoints(Storage x, Storage idx, long idxOffset, int count, Storage points, ConvGeometry geometry, CacSamplePoint point) =>
        CacGatherKernels<T>.Points(Data(x), Indices(idx), idxOffset, count, Data(points), geometry, point, scatter: false);

    public override void CacScatterPoints(Storage points, Storage idx, long idxOffset, int count, Storage gx, ConvGeometry geometry, CacSamplePoint point) =>
        CacGatherKernels<T>.Points(Data(gx), Indices(idx), idxOffset, count, Data(points), geometry, point, scatter: true);

    public override void CacScatterColumns(Storage cols, Storage? bias, Storage idx, long idxOffset, int count, Storage y, int channels, int positions) =>
        CacGatherKernels<T>.ScatterColumns(Data(cols), DataOrNull(bias), Indices(idx), idxOffset, count, Data(y), channels, positions);

    public override void CacGatherColumns(Storage src, Storage idx, long idxOffset, int count, Storage cols, int channels, int positions) =>
        CacGatherKernels<T>.GatherColumns(Data(src), Indices(idx), idxOffset, count, Data(cols), channels, positions);

    public override void CacSumTaps(Storage w, Storage wPhi, int rows, int taps) => CacGatherKernels<T>.SumTaps(Data(w), Data(wPhi), rows, taps);

    public override void CacSpreadTaps(Storage gwPhi, Storage gw, int rows, int taps) =>
        CacGatherKernels<T>.SpreadTaps(Data(gwPhi), Data(gw), rows, taps);

    public override void CacSamplePoints(Storage x, Storage y, ConvGeometry geometry, CacSamplePoint point) =>
        CacGatherKernels<T>.SamplePoints(Data(x), Data(y), geometry, point, backward: false);

    public override void CacSamplePointsBackward(Storage gy, Storage gx, ConvGeometry geometry, CacSamplePoint point) =>
        CacGatherKernels<T>.SamplePoints(Data(gx), Data(gy), geometry, point, backward: true);

    public override void CacSparseForward(Storage x, Storage w, Storage wPhi, Storage? bias, Storage order, int sharp, Storage y,
        ConvGeometry geometry, CacSamplePoint point)
    {
        if (Reference)
            CacLayerReference.SparseForward(Data(x), Data(w), Data(wPhi), DataOrNull(bias), Indices(order), sharp, Data(y), geometry, point);
        else CpuCacSparse<T>.Forward(Data(x), Data(w), Data(wPhi), DataOrNull(bias), Indices(order), sharp, Data(y), geometry, point);
    }

    public override void CacSparseBackward(Storage x, Storage w, Storage wPhi, Storage gy, Storage order, int sharp, Storage? gx, Storage? gw,
        ConvGeometry geometry, CacSamplePoint point)
    {
        if (Reference)
            CacLayerReference.SparseBackward(Data(x), Data(w), Data(wPhi), Data(gy), Indices(order), sharp, DataOrNull(gx), DataOrNull(gw), geometry, point);
        else CpuCacSparse<T>.Backward(Data(x), Data(w), Data(wPhi), Data(gy), Indices(order), sharp, DataOrNull(gx), DataOrNull(gw), geometry, point);
    }

    // gamma and beta are one-element storages, read here on the host.
    public override int CacLayerForward(Storage x, Storage w, Storage wPhi, Storage? bias, Storage gamma, Storage beta, Storage scoreMap,
        Storage mask, Storage y, ConvGeometry geometry, CacSamplePoint point, int smooth) => Reference
        ? CacLayerReference.LayerForward(Data(x), Data(w), Data(wPhi), DataOrNull(bias), Data(gamma)[0], Data(beta)[0], Data(scoreMap),
            Data(mask), Data(y), geometry, point, smooth)
        : CpuCacSparse<T>.LayerForward(Data(x), Data(w), Data(wPhi), DataOrNull(bias), Data(gamma)[0], Data(beta)[0], Data(scoreMap),
            Data(mask), Data(y), geometry, point, smooth);
}

namespace Cac;

/// <summary>
/// The kernels a device must provide. Tensors and autograd live in Cac.Core and call only this
/// interface, so the CPU backend (plain C#) and the ILGPU backend are interchangeable.
/// Rules: every buffer is contiguous row-major; a kernel writes (overwrites) its outputs unless the
/// method says it accumulates; all storages passed to one call share the backend and dtype
/// (except Int32 labels and indices); shapes are given explicitly and are trusted (ops validate).
/// Threads: the CPU backend's methods may be called from several threads at once on different storages; the ILGPU
/// backend is to be used by one thread at a time. <see cref="Tensor"/> states the whole contract. Memory: a storage's buffer is reused only after <see cref="Storage.Dispose"/> (or, on a
/// device, once the garbage collector has found the storage unreachable and no op in progress still uses it).
/// </summary>
public partial interface IBackend
{
    /// <summary>The device this backend executes on.</summary>
    Device Device { get; }

    // ---- memory ----

    /// <summary>A new zero-filled buffer.</summary>
    Storage Allocate(DType dtype, long length);

    /// <summary>
    /// A new buffer whose contents are unspecified (stale values, or NaN in debug builds of the CPU backend): only for
    /// outputs a kernel overwrites completely. The default is <see cref="Allocate"/>.
    /// </summary>
    Storage AllocateUninitialized(DType dtype, long length) => Allocate(dtype, length);

    /// <summary>A new buffer holding a copy of host data.</summary>
    Storage Upload<T>(ReadOnlySpan<T> data) where T : unmanaged;

    /// <summary>Copies a buffer to host memory; <typeparamref name="T"/> must match the storage dtype.</summary>
    void Download<T>(Storage src, Span<T> dst) where T : unmanaged;

    /// <summary>dst[dstOffset + i] = src[srcOffset + i] for i in [0, count).</summary>
    void Copy(Storage src, long srcOffset, Storage dst, long dstOffset, long count);

    /// <summary>Copies blocks: for o in [0, outer): dst[dstOffset + o*dstStride ..][0, block) = src[srcOffset + o*srcStride ..]. Concat and slice.</summary>
    void CopyBlocks(Storage src, long srcOffset, long srcStride, Storage dst, long dstOffset, long dstStride, long outer, long block);

    /// <summary>Sets every element to a value.</summary>
    void Fill(Storage dst, double value);

    /// <summary>Converts between floating-point dtypes.</summary>
    void Cast(Storage src, Storage dst);

    // ---- elementwise ----

    /// <summary>y = f(x) over n elements.</summary>
    void Unary(UnaryOp op, Storage x, Storage y);

    /// <summary>gx = gy * f'(x) where f' may use x or the saved output y.</summary>
    void UnaryBackward(UnaryOp op, Storage x, Storage y, Storage gy, Storage gx);

    /// <summary>y = a (op) b with broadcasting: a and b are read with the given strides over y's shape (stride 0 on broadcast dims).</summary>
    void Binary(BinaryOp op, Storage a, long[] aStrides, Storage b, long[] bStrides, Storage y, int[] yShape);

    /// <summary>y = scale * x + shift.</summary>
    void Affine(Storage x, Storage y, double scale, double shift);

    /// <summary>
    /// y = scale[0] * x + shift[0] (shift 0 when null), with the same arithmetic as <see cref="Affine"/>: the scalars are
    /// one-element storages read by the kernel itself, so a device never waits for the host to read them (CAC's gamma
    /// and beta are learnable parameters that change every step).
    /// </summary>
    void ScaleShift(Storage x, Storage y, Storage scale, Storage? shift);

    /// <summary>y += alpha * x (gradient accumulation).</summary>
    void Axpy(double alpha, Storage x, Storage y);

    /// <summary>y = max(0, a + b) elementwise over buffers of one length (the end of a residual block), NaN kept.</summary>
    void AddRelu(Storage a, Storage b, Storage y);

    /// <summary>Sums x (of shape xShape) down to yShape (same rank, each extent equal or 1): the adjoint of broadcasting.</summary>
    void SumToShape(Storage x, int[] xShape, Storage y, int[] yShape);

    /// <summary>y[o, i] = sum over r of x[o, r, i] with x viewed as (outer, reduce, inner).</summary>
    void ReduceSum(Storage x, Storage y, int outer, int reduce, int inner);

    /// <summary>y = x with axes permuted: y.shape[i] = xShape[perm[i]].</summary>
    void Permute(Storage x, int[] xShape, int[] perm, Storage y);

    // ---- linear algebra ----

    /// <summary>
    /// Row-major C = alpha * op(A) * op(B) + beta * C with C (m, n), op(A) (m, k), op(B) (k, n).
    /// A is stored (m, k) or, when transA, (k, m); likewise B. Offsets are in elements.
    /// </summary>
    void Gemm(bool transA, bool transB, int m, int n, int k, double alpha,
        Storage a, long aOffset, Storage b, long bOffset, double beta, Storage c, long cOffset);

    // ---- convolution ----

    /// <summary>y = conv2d(x, w) + bias. x: (N, Cin, H, W), w: (Cout, Cin/g, KH, KW), bias: (Cout) or null, y: (N, Cout, Ho, Wo).</summary>
    void Conv2dForward(Storage x, Storage w, Storage? bias, Storage y, ConvGeometry geometry);

    /// <summary>gx = dL/dx from gy: (N, Cout, Ho, Wo) and w. Overwrites gx.</summary>
    void Conv2dBackwardInput(Storage gy, Storage w, Storage gx, ConvGeometry geometry);

    /// <summary>gw = dL/dw from x and gy. Overwrites gw.</summary>
    void Conv2dBackwardWeight(Storage x, Storage gy, Storage gw, ConvGeometry geometry);

    // ---- normalisation ----

    /// <summary>
    /// Batch norm with batch statistics. x, y: (N, C, HW). Writes y, saveMean (C) and saveInvStd (C),
    /// and updates runningMean/runningVar (C) in place with momentum (unbiased variance), as PyTorch.
    /// With <paramref name="relu"/>, y = max(0, batch_norm(x)) in the same pass (the ReLU that follows most batch norms).
    /// </summary>
    void BatchNormTrainForward(Storage x, Storage gamma, Storage beta, Storage y, Storage saveMean, Storage saveInvStd,
        Storage runningMean, Storage runningVar, int n, int c, int hw, double momentum, double eps, bool relu);

    /// <summary>Batch norm with running statistics: y = (x - mean) / sqrt(var + eps) * gamma + beta.</summary>
    void BatchNormEvalForward(Storage x, Storage gamma, Storage beta, Storage runningMean, Storage runningVar, Storage y,
        int n, int c, int hw, double eps);

    /// <summary>
    /// Batch norm backward given the mean and inverse std used in the forward pass. When
    /// <paramref name="batchStats"/> the statistics depend on x (training); otherwise they are constants.
    /// <paramref name="reluOutput"/>, when given, is the output of a forward with a fused ReLU: gy counts only where it
    /// is positive, the mask applied as gy is read. Writes gx (N, C, HW), gGamma (C), gBeta (C).
    /// </summary>
    void BatchNormBackward(Storage x, Storage? reluOutput, Storage gy, Storage gamma, Storage mean, Storage invStd,
        Storage gx, Storage gGamma, Storage gBeta, int n, int c, int hw, bool batchStats);

    // ---- pooling and resizing ----

    /// <summary>Max pool; indices (Int32, same size as y) record the argmax within each (n, c) plane (-inf padding).</summary>
    void MaxPool2dForward(Storage x, Storage y, Storage indices, PoolGeometry geometry);

    /// <summary>gx = scatter-add of gy at the saved argmax positions. Overwrites gx.</summary>
    void MaxPool2dBackward(Storage gy, Storage indices, Storage gx, PoolGeometry geometry);

    /// <summary>Average pool; zero padding counted in the divisor when countIncludePad (PyTorch's default).</summary>
    void AvgPool2dForward(Storage x, Storage y, PoolGeometry geometry, bool countIncludePad);

    /// <summary>Adjoint of <see cref="AvgPool2dForward"/>. Overwrites gx.</summary>
    void AvgPool2dBackward(Storage gy, Storage gx, PoolGeometry geometry, bool countIncludePad);

    /// <summary>Adaptive average pool of planes (planes, H, W) to (planes, Ho, Wo) with PyTorch's bin edges.</summary>
    void AdaptiveAvgPool2dForward(Storage x, Storage y, int planes, int h, int w, int ho, int wo);

    /// <summary>Adjoint of <see cref="AdaptiveAvgPool2dForward"/>. Overwrites gx.</summary>
    void AdaptiveAvgPool2dBackward(Storage gy, Storage gx, int planes, int h, int w, int ho, int wo);

    /// <summary>Resizes planes (planes, H, W) to (planes, Ho, Wo): nearest (PyTorch's 'nearest') or bilinear.</summary>
    void Upsample2dForward(Storage x, Storage y, int planes, int h, int w, int ho, int wo, bool bilinear, bool alignCorners);

    /// <summary>Adjoint of <see cref="Upsample2dForward"/>. Overwrites gx.</summary>
    void Upsample2dBackward(Storage gy, Storage gx, int planes, int h, int w, int ho, int wo, bool bilinear, bool alignCorners);

    /// <summary>Constant-pads planes (planes, H, W) to (planes, H + top + bottom, W + left + right). Negative pads crop.</summary>
    void Pad2dForward(Storage x, Storage y, int planes, int h, int w, int top, int bottom, int left, int right, double value);

    /// <summary>Adjoint of <see cref="Pad2dForward"/>: gx is the interior of gy. Overwrites gx.</summary>
    void Pad2dBackward(Storage gy, Storage gx, int planes, int h, int w, int top, int bottom, int left, int right);

    // ---- softmax and losses ----

    /// <summary>Softmax (or log-softmax) over the last axis of x viewed as (rows, cols).</summary>
    void Softmax(Storage x, Storage y, int rows, int cols, bool log);

    /// <summary>Backward of <see cref="Softmax"/> from its output y.</summary>
    void SoftmaxBackward(Storage y, Storage gy, Storage gx, int rows, int cols, bool log);

    /// <summary>
    /// Fused, numerically stable cross-entropy. logits: (rows, cols), labels: Int32 (rows).
    /// Writes the per-row loss (rows) and the softmax probabilities (rows, cols).
    /// </summary>
    void SoftmaxCrossEntropy(Storage logits, Storage labels, Storage losses, Storage probs, int rows, int cols);

    /// <summary>gx[r, j] = gLoss[r] * (probs[r, j] - [j == label[r]]).</summary>
    void SoftmaxCrossEntropyBackward(Storage probs, Storage labels, Storage gLosses, Storage gx, int rows, int cols);

    // ---- randomness ----

    /// <summary>
    /// Dropout mask: element i is 0 with probability p, else 1/(1-p). Counter-based (a hash of seed and i),
    /// so every backend draws the same mask for the same seed.
    /// </summary>
    void DropoutMask(Storage mask, double p, ulong seed);

    // ---- optimizers ----

    /// <summary>
    /// One SGD step in place, PyTorch semantics: g = grad + wd * p; buf = firstStep ? g : momentum * buf + (1 - dampening) * g;
    /// step = nesterov ? g + momentum * buf : buf (or g when momentum is 0); p -= lr * step.
    /// </summary>
    void SgdStep(Storage param, Storage grad, Storage? momentumBuffer, double lr, double momentum,
        double dampening, double weightDecay, bool nesterov, bool firstStep);

    /// <summary>
    /// One Adam (or AdamW when <paramref name="decoupledWeightDecay"/>) step in place, PyTorch semantics,
    /// with bias corrections for step number <paramref name="step"/> (1-based).
    /// </summary>
    void AdamStep(Storage param, Storage grad, Storage m, Storage v, double lr, double beta1, double beta2,
        double eps, double weightDecay, bool decoupledWeightDecay, long step);
}

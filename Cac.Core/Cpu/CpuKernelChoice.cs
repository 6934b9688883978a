namespace Cac;

/// <summary>
/// Which kernels the CPU backend runs for convolutions and the content-aware (CAC) layer
/// (<see cref="CpuBackend.Kernels"/>). All three compute the same functions; they differ in speed and in rounding.
/// </summary>
public enum CpuKernelChoice
{
    /// <summary>
    /// The plain loops of Cpu/Reference: <see cref="ConvReference"/> for every convolution (forward, both gradients,
    /// the fused conv + affine epilogue as the reference conv followed by a plain epilogue loop) and
    /// <see cref="CacLayerReference"/> for the CAC layer (sparse forward and backward, layer forward with a plain-loop
    /// score map). Single-threaded, no SIMD: slow, but the code a reader can follow line by line.
    /// </summary>
    Reference,

    /// <summary>
    /// im2col + GEMM for every convolution (no Winograd, no direct kernel): the algorithm the GPU backend runs
    /// (Cac.Gpu/GpuBackend.Conv.cs). The CAC layer is composed from the gather/scatter kernels and GEMMs
    /// (<see cref="CacSparseComposed"/>, <see cref="CacLayerComposed"/>), as on the GPU.
    /// </summary>
    Gemm,

    /// <summary>
    /// The default: Winograd F(4x4, 3x3) for the stride-1 3 x 3 convolutions it covers, the direct kernels and GEMMs for
    /// the rest, and the fused per-sample CAC register kernel (CpuCacSparse).
    /// </summary>
    Fast,
}

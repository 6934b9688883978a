using Cac.Gpu;
using Cac.Gpu.Kernels;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Gpu;

// The GPU kernel variants (tiled shared-memory GEMM with 128-thread groups, 128-thread group reductions) on a wide
// simulator, against the CPU backend, through the same test bodies as the ilgpu-cpu device's variants.
[Collection("GpuWide")]
[Trait("Category", "GpuParity")]
public class GpuTiledVariantParityTests(WideGpuFixture fixture)
{
    [Fact]
    public void The_fixtures_run_different_kernel_variants()
    {
        fixture.Backend.GemmVariant.Should().Be(GemmVariant.Tiled);
        fixture.Backend.GroupSize.Should().Be(128);
        using var simulator = new GpuFixture();
        simulator.Backend.GemmVariant.Should().Be(GemmVariant.GridStride, "the ilgpu-cpu device runs the barrier-free GEMM");
        simulator.Backend.GroupSize.Should().BeLessThanOrEqualTo(16);
    }

    [Theory]
    [InlineData(false, false, 33, 17, 29)]
    [InlineData(true, false, 33, 17, 29)]
    [InlineData(false, true, 33, 17, 29)]
    [InlineData(true, true, 33, 17, 29)]
    [InlineData(false, false, 70, 130, 20)] // several tiles in both directions, a partial k-step
    [InlineData(true, true, 65, 3, 40)]
    [InlineData(false, true, 16, 20, 700)] // split-K (one tile, long K: a weight gradient's shape), a partial last slice
    [InlineData(true, false, 5, 7, 600)] // split-K, transposed A
    public void Tiled_gemm(bool transA, bool transB, int m, int n, int k) =>
        new GpuGemmConvParityTests(fixture).Gemm_with_transposes_offsets_alpha_and_beta(transA, transB, m, n, k);

    [Theory]
    [InlineData(3, 131072, 132, 176)] // conv3x3 16ch 32x32 weight gradient, batch 128, on an H200: 3 tiles fill 3 of 528 groups
    [InlineData(600, 4096, 132, 1)] // the tiles already fill the device
    [InlineData(1, 100, 132, 1)] // K too short to slice
    [InlineData(1, 600, 1, 4)] // the wide simulator: one multiprocessor
    public void Split_k_slices_only_gemms_with_few_tiles_and_a_long_k(long tiles, int k, int multiprocessors, int expected) =>
        GemmKernel.SplitsFor(tiles, k, multiprocessors).Should().Be(expected);

    [Fact]
    public void Tiled_gemm_with_beta_zero_ignores_nan_in_c() =>
        new GpuGemmConvParityTests(fixture).Gemm_with_beta_zero_ignores_nan_in_c();

    [Theory]
    [MemberData(nameof(GpuGemmConvParityTests.Geometries), MemberType = typeof(GpuGemmConvParityTests))]
    public void Conv2d_on_the_tiled_gemm(ConvGeometry geometry, bool withBias) =>
        new GpuGemmConvParityTests(fixture).Conv2d_forward_and_backward_kernels(geometry, withBias);

    [Theory]
    [InlineData(4, 3, 70, false)] // more elements per channel than threads per group
    [InlineData(2, 1, 4099, false)] // one channel in four slices, the last one shorter
    [InlineData(2, 1, 4099, true)] // the same with the fused ReLU
    public void Batch_norm_with_128_thread_groups(int n, int c, int hw, bool relu) =>
        new GpuNormPoolParityTests(fixture).Batch_norm_training_forward_and_backward(n, c, hw, relu);

    [Theory]
    [InlineData(16, 131072, 132, 33)] // ResNet-20's first stage at batch 128 on an H200: 16 groups would leave most of 132 multiprocessors idle
    [InlineData(64, 8192, 132, 8)] // slices of at least 1024 elements
    [InlineData(1024, 131072, 132, 1)] // the channels fill the device
    [InlineData(3, 500, 132, 1)] // too few elements to slice
    public void Batch_norm_slices_channels_only_when_they_leave_the_device_idle(int c, int m, int multiprocessors, int expected) =>
        BatchNormKernels.SlicesFor(c, m, multiprocessors).Should().Be(expected);

    [Theory]
    [InlineData(1, 700, 1)]
    [InlineData(2, 600, 3)]
    public void ReduceSum_with_128_thread_groups(int outer, int reduce, int inner) =>
        new GpuElementwiseParityTests(fixture).ReduceSum_over_the_middle_axis(outer, reduce, inner);
}

using FluentAssertions;
using Xunit;
using static Cac.Tests.Gpu.Parity;

namespace Cac.Tests.Gpu;

// Ops with autograd on GPU tensors against the same ops on CPU tensors: forward values and every gradient.
[Collection("Gpu")]
[Trait("Category", "GpuParity")]
public class GpuOpsParityTests(GpuFixture fixture)
{
    private readonly Device _gpu = fixture.Gpu;

    /// <summary>
    /// Runs <paramref name="f"/> on CPU leaves and on GPU copies of them, back-propagates a fixed random
    /// weighting of the output, and compares the outputs and the gradients of every leaf: normwise within the bound of
    /// <paramref name="terms"/>-long reductions (the sum of the reduction lengths along the longest chain, forward and
    /// backward), or element by element within four ulps when <paramref name="terms"/> is 0 (no reductions).
    /// </summary>
    private void Check(string what, int terms, Func<Tensor[], Tensor> f, params Tensor[] leaves)
    {
        var cpuLeaves = leaves.Select(t => { var c = t.Detach(); c.RequiresGrad = t.DType != DType.Int32; return c; }).ToArray();
        var gpuLeaves = leaves.Select(t => { var onGpu = t.To(_gpu); onGpu.RequiresGrad = t.DType != DType.Int32; return onGpu; }).ToArray();
        var yCpu = f(cpuLeaves);
        var yGpu = f(gpuLeaves);
        yGpu.Device.Should().Be(_gpu);
        Compare(yGpu, yCpu, $"{what} forward", terms);

        var weights = Rand(99, yCpu.Shape);
        Ops.Sum(Ops.Mul(yCpu, weights)).Backward();
        Ops.Sum(Ops.Mul(yGpu, weights.To(_gpu))).Backward();
        for (int i = 0; i < leaves.Length; i++)
        {
            if (!cpuLeaves[i].RequiresGrad) continue;
            gpuLeaves[i].Grad.Should().NotBeNull($"{what}: leaf {i} has a gradient");
            Compare(gpuLeaves[i].Grad!, cpuLeaves[i].Grad!, $"{what} gradient of input {i}", terms);
        }
    }

    private static void Compare(Tensor gpu, Tensor cpu, string what, int terms)
    {
        if (terms == 0) gpu.ShouldMatchElementwise(cpu, what);
        else gpu.ShouldMatchNormwise(cpu, what, terms);
    }

    [Fact]
    public void Elementwise_broadcasting_and_reductions() =>
        Check("elementwise", 3, t => Ops.Mean(Ops.Tanh(t[0] * t[1] + t[2]) / (Ops.Exp(t[1]) + 1.0), [0], keepDim: true),
            Rand(1, 3, 4), Rand(2, 1, 4), Rand(3, 3, 1));

    [Fact]
    public void Matmul_and_linear() =>
        Check("linear", 7 + 1, t => Ops.Relu(Ops.Linear(t[0], t[1], t[2])), Rand(4, 5, 7), Rand(5, 6, 7), Rand(6, 6));

    [Fact]
    public void Conv2d_with_bias_stride_and_groups() =>
        Check("conv2d", 4 * 9, t => Ops.Conv2d(t[0], t[1], t[2], stride: 2, padding: 1, groups: 1), Rand(7, 2, 3, 6, 6), Rand(8, 4, 3, 3, 3), Rand(9, 4));

    [Fact]
    public void Batch_norm_in_training_mode()
    {
        var runningMean = Tensor.Zeros([3]);
        var runningVar = Tensor.Ones([3]);
        var rmGpu = runningMean.To(_gpu);
        var rvGpu = runningVar.To(_gpu);
        Check("batch norm", 2 * 16 * 2,   // statistics over N H W = 32, then the backward's two sums over the same 32
            t => Ops.BatchNorm2d(t[0], t[1], t[2], t[0].Device == _gpu ? rmGpu : runningMean, t[0].Device == _gpu ? rvGpu : runningVar, training: true),
            Rand(10, 2, 3, 4, 4), Rand(11, 3), Rand(12, 3));
        rmGpu.ShouldMatchNormwise(runningMean, "running mean", 32);
        rvGpu.ShouldMatchNormwise(runningVar, "running var", 32);
    }

    [Fact]
    public void Fused_add_relu() =>
        Check("add + relu", 0, t => Ops.AddRelu(t[0], t[1]), Rand(19, 3, 41), Rand(20, 3, 41));

    [Fact]
    public void Batch_norm_with_fused_relu_in_training_mode()
    {
        var (runningMean, runningVar) = (Tensor.Zeros([3]), Tensor.Ones([3]));
        var (rmGpu, rvGpu) = (runningMean.To(_gpu), runningVar.To(_gpu));
        Check("batch norm + relu", 2 * 16 * 2,
            t => Ops.BatchNorm2d(t[0], t[1], t[2], t[0].Device == _gpu ? rmGpu : runningMean, t[0].Device == _gpu ? rvGpu : runningVar,
                training: true, relu: true),
            Rand(16, 2, 3, 4, 4), Rand(17, 3), Rand(18, 3));
        rmGpu.ShouldMatchNormwise(runningMean, "running mean", 32);
    }

    [Fact]
    public void Pooling_upsampling_padding_and_shape_ops() =>
        // Average pool 3 x 3 (9), bilinear x 3 (4 forward; up to 16 outputs per pixel backward), adaptive 2 x 2 bins of up
        // to 4 x 4 (16): 9 + 16 + 16.
        Check("pool and resize", 9 + 16 + 16, t =>
        {
            var p = Ops.MaxPool2d(t[0], 2);
            var a = Ops.AvgPool2d(t[0], 3, 2, 1);
            var u = Ops.Upsample(Ops.Pad2d(a, 1, 0, 0, 1), 3, 3, UpsampleMode.Bilinear);
            var cat = Ops.Concat([p, u], axis: 1);
            return Ops.Permute(Ops.AdaptiveAvgPool2d(cat, 2, 2), 0, 2, 3, 1);
        }, Rand(13, 2, 2, 6, 6));

    [Fact]
    public void Softmax_log_softmax_and_cross_entropy() =>
        // Rows of 5 (softmax, log-softmax, cross-entropy), the sum of 15 products and the mean over 3 rows.
        Check("softmax and cross-entropy", 5 + 15 + 3, t =>
        {
            var labels = Tensor.FromArray([2, 0, 4], [3], t[0].Device);
            var ce = Ops.CrossEntropy(t[0], labels);
            return Ops.Add(Ops.Sum(Ops.Softmax(t[0]) * Ops.LogSoftmax(t[0])), ce);
        }, Rand(14, 3, 5));

    [Fact]
    public void A_small_training_step_of_a_conv_net()
    {
        // conv -> bn -> relu -> max pool -> linear -> cross-entropy; dropout with a shared seed.
        // Forward: conv 27 + 1, batch norm 32, linear 16 + 1, cross-entropy rows of 3 and the mean of 2; backward: the
        // cross-entropy and the linear (3 each), batch norm 2 x 32, the conv's input and weight gradients (36, 32).
        Check("conv net", 28 + 32 + 17 + 3 + 2 + 3 + 3 + 64 + 36, t =>
        {
            var device = t[0].Device;
            var h = Ops.Conv2d(t[0], t[1], null, padding: 1);
            h = Ops.BatchNorm2d(h, t[2], t[3], Tensor.Zeros([4], DType.Float32, device), Tensor.Ones([4], DType.Float32, device), training: true);
            h = Ops.MaxPool2d(Ops.Relu(h), 2);
            h = Ops.Dropout(Ops.Flatten(h), 0.25, training: true, new Generator(5));
            var logits = Ops.Linear(h, t[4], t[5]);
            return Ops.CrossEntropy(logits, Tensor.FromArray([1, 2], [2], device)).Reshape(1);
        }, Rand(15, 2, 3, 4, 4), Rand(16, 4, 3, 3, 3), Rand(17, 4), Rand(18, 4), Rand(19, 3, 16), Rand(20, 3));
    }
}

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
    /// weighting of the output, and compares the outputs and the gradients of every leaf.
    /// </summary>
    private void Check(string what, Func<Tensor[], Tensor> f, params Tensor[] leaves)
    {
        var cpuLeaves = leaves.Select(t => { var c = t.Detach(); c.RequiresGrad = t.DType != DType.Int32; return c; }).ToArray();
        var gpuLeaves = leaves.Select(t => { var g = t.To(_gpu); g.RequiresGrad = t.DType != DType.Int32; return g; }).ToArray();
        var yCpu = f(cpuLeaves);
        var yGpu = f(gpuLeaves);
        yGpu.Device.Should().Be(_gpu);
        yGpu.ShouldMatch(yCpu, $"{what} forward");

        var weights = Rand(99, yCpu.Shape);
        Ops.Sum(Ops.Mul(yCpu, weights)).Backward();
        Ops.Sum(Ops.Mul(yGpu, weights.To(_gpu))).Backward();
        for (int i = 0; i < leaves.Length; i++)
        {
            if (!cpuLeaves[i].RequiresGrad) continue;
            gpuLeaves[i].Grad.Should().NotBeNull($"{what}: leaf {i} has a gradient");
            gpuLeaves[i].Grad!.ShouldMatch(cpuLeaves[i].Grad!, $"{what} gradient of input {i}");
        }
    }

    [Fact]
    public void Elementwise_broadcasting_and_reductions() =>
        Check("elementwise", t => Ops.Mean(Ops.Tanh(t[0] * t[1] + t[2]) / (Ops.Exp(t[1]) + 1.0), [0], keepDim: true),
            Rand(1, 3, 4), Rand(2, 1, 4), Rand(3, 3, 1));

    [Fact]
    public void Matmul_and_linear() =>
        Check("linear", t => Ops.Relu(Ops.Linear(t[0], t[1], t[2])), Rand(4, 5, 7), Rand(5, 6, 7), Rand(6, 6));

    [Fact]
    public void Conv2d_with_bias_stride_and_groups() =>
        Check("conv2d", t => Ops.Conv2d(t[0], t[1], t[2], stride: 2, padding: 1, groups: 1), Rand(7, 2, 3, 6, 6), Rand(8, 4, 3, 3, 3), Rand(9, 4));

    [Fact]
    public void Batch_norm_in_training_mode()
    {
        var runningMean = Tensor.Zeros([3]);
        var runningVar = Tensor.Ones([3]);
        var rmGpu = runningMean.To(_gpu);
        var rvGpu = runningVar.To(_gpu);
        Check("batch norm",
            t => Ops.BatchNorm2d(t[0], t[1], t[2], t[0].Device == _gpu ? rmGpu : runningMean, t[0].Device == _gpu ? rvGpu : runningVar, training: true),
            Rand(10, 2, 3, 4, 4), Rand(11, 3), Rand(12, 3));
        rmGpu.ShouldMatch(runningMean, "running mean");
        rvGpu.ShouldMatch(runningVar, "running var");
    }

    [Fact]
    public void Fused_add_relu() =>
        Check("add + relu", t => Ops.AddRelu(t[0], t[1]), Rand(19, 3, 41), Rand(20, 3, 41));

    [Fact]
    public void Batch_norm_with_fused_relu_in_training_mode()
    {
        var (runningMean, runningVar) = (Tensor.Zeros([3]), Tensor.Ones([3]));
        var (rmGpu, rvGpu) = (runningMean.To(_gpu), runningVar.To(_gpu));
        Check("batch norm + relu",
            t => Ops.BatchNorm2d(t[0], t[1], t[2], t[0].Device == _gpu ? rmGpu : runningMean, t[0].Device == _gpu ? rvGpu : runningVar,
                training: true, relu: true),
            Rand(16, 2, 3, 4, 4), Rand(17, 3), Rand(18, 3));
        rmGpu.ShouldMatch(runningMean, "running mean");
    }

    [Fact]
    public void Pooling_upsampling_padding_and_shape_ops() =>
        Check("pool and resize", t =>
        {
            var p = Ops.MaxPool2d(t[0], 2);
            var a = Ops.AvgPool2d(t[0], 3, 2, 1);
            var u = Ops.Upsample(Ops.Pad2d(a, 1, 0, 0, 1), 3, 3, UpsampleMode.Bilinear);
            var cat = Ops.Concat([p, u], axis: 1);
            return Ops.Permute(Ops.AdaptiveAvgPool2d(cat, 2, 2), 0, 2, 3, 1);
        }, Rand(13, 2, 2, 6, 6));

    [Fact]
    public void Softmax_log_softmax_and_cross_entropy() =>
        Check("softmax and cross-entropy", t =>
        {
            var labels = Tensor.FromArray([2, 0, 4], [3], t[0].Device);
            var ce = Ops.CrossEntropy(t[0], labels);
            return Ops.Add(Ops.Sum(Ops.Softmax(t[0]) * Ops.LogSoftmax(t[0])), ce);
        }, Rand(14, 3, 5));

    [Fact]
    public void A_small_training_step_of_a_conv_net()
    {
        // conv -> bn -> relu -> max pool -> linear -> cross-entropy; dropout with a shared seed.
        Check("conv net", t =>
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

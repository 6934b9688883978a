using FluentAssertions;
using Xunit;
using static Cac.Tests.Gpu.Parity;

namespace Cac.Tests.Gpu;

// Softmax, cross-entropy, dropout masks and optimizer steps: the ILGPU backend against the CPU backend.
[Collection("Gpu")]
[Trait("Category", "GpuParity")]
public class GpuSoftmaxOptimParityTests(GpuFixture fixture)
{
    private readonly Device _gpu = fixture.Gpu;
    private IBackend Cpu => Device.Cpu.Backend;
    private IBackend Gpu => _gpu.Backend;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Softmax_forward_and_backward(bool log)
    {
        var x = Rand(1, 5, 9) * 3.0;
        var gy = Rand(2, 5, 9);
        var y = Tensor.ZerosLike(x);
        var yg = ZerosOn(_gpu, 5, 9);
        Cpu.Softmax(x.Storage, y.Storage, 5, 9, log);
        Gpu.Softmax(x.To(_gpu).Storage, yg.Storage, 5, 9, log);
        yg.ShouldMatchNormwise(y, log ? "log-softmax" : "softmax", 9);   // rows of 9
        var gx = Tensor.ZerosLike(x);
        var gxg = ZerosOn(_gpu, 5, 9);
        Cpu.SoftmaxBackward(y.Storage, gy.Storage, gx.Storage, 5, 9, log);
        Gpu.SoftmaxBackward(yg.Storage, gy.To(_gpu).Storage, gxg.Storage, 5, 9, log);
        gxg.ShouldMatchNormwise(gx, log ? "log-softmax backward" : "softmax backward", 9 + 9);
    }

    [Fact]
    public void Cross_entropy_forward_and_backward()
    {
        const int rows = 6, cols = 10;
        var logits = Rand(3, rows, cols) * 4.0;
        var labels = Tensor.FromArray([3, 0, 9, 9, 5, 1], [rows]);
        var gLoss = Rand(4, rows);
        var (loss, probs) = (Tensor.Zeros([rows]), Tensor.Zeros([rows, cols]));
        var (lossg, probsg) = (ZerosOn(_gpu, rows), ZerosOn(_gpu, rows, cols));
        Cpu.SoftmaxCrossEntropy(logits.Storage, labels.Storage, loss.Storage, probs.Storage, rows, cols);
        Gpu.SoftmaxCrossEntropy(logits.To(_gpu).Storage, labels.To(_gpu).Storage, lossg.Storage, probsg.Storage, rows, cols);
        lossg.ShouldMatchNormwise(loss, "cross-entropy losses", cols);
        probsg.ShouldMatchNormwise(probs, "cross-entropy probabilities", cols);
        var gx = Tensor.ZerosLike(logits);
        var gxg = ZerosOn(_gpu, rows, cols);
        Cpu.SoftmaxCrossEntropyBackward(probs.Storage, labels.Storage, gLoss.Storage, gx.Storage, rows, cols);
        Gpu.SoftmaxCrossEntropyBackward(probsg.Storage, labels.To(_gpu).Storage, gLoss.To(_gpu).Storage, gxg.Storage, rows, cols);
        gxg.ShouldMatchNormwise(gx, "cross-entropy backward", cols + 1);   // each side's own probabilities
    }

    [Theory]
    [InlineData(0.3, 12345UL)]
    [InlineData(0.5, 0xFFFFFFFFFFFFFFF0UL)] // seed + i wraps around
    [InlineData(0.0, 7UL)]
    public void Dropout_masks_match_the_cpu_bit_for_bit(double p, ulong seed)
    {
        var mask = Tensor.Zeros([1000]);
        var maskg = ZerosOn(_gpu, 1000);
        Cpu.DropoutMask(mask.Storage, p, seed);
        Gpu.DropoutMask(maskg.Storage, p, seed);
        maskg.ToFloatArray().Should().Equal(mask.ToFloatArray());
        if (p > 0) mask.ToFloatArray().Should().Contain(0f).And.Contain((float)(1 / (1 - p)));
    }

    [Theory]
    [InlineData(0.0, 0.0, 0.0, false, true)]
    [InlineData(0.9, 0.0, 1e-2, false, true)]
    [InlineData(0.9, 0.1, 1e-2, false, false)]
    [InlineData(0.9, 0.0, 0.0, true, false)]
    public void Sgd_step(double momentum, double dampening, double weightDecay, bool nesterov, bool firstStep)
    {
        var p = Rand(5, 41);
        var grad = Rand(6, 41);
        var buf = Rand(7, 41);
        var (pg, bufg) = (p.To(_gpu), buf.To(_gpu));
        var before = p.ToFloatArray();
        var (pBefore, bufBefore) = (p.Detach().To(DType.Float64), buf.Detach().To(DType.Float64));
        Cpu.SgdStep(p.Storage, grad.Storage, momentum == 0 ? null : buf.Storage, 0.05, momentum, dampening, weightDecay, nesterov, firstStep);
        Gpu.SgdStep(pg.Storage, grad.To(_gpu).Storage, momentum == 0 ? null : bufg.Storage, 0.05, momentum, dampening, weightDecay, nesterov, firstStep);
        // Elementwise formulas. The update is compared as after - before, which cancels: each side's new parameter is
        // within a rounding of |p|, so 4 u max |p| absolute. The buffer, momentum buf + (1 - dampening)(g + decay p), cancels
        // among its terms: 8 u of their scales absolute.
        Change(pg, before).ShouldMatchElementwise(Change(p, before), "sgd parameter update", Ulps4, 4 * U * before.Max(Math.Abs));
        bufg.ShouldMatchElementwise(buf, "sgd momentum buffer", Ulps4, 8 * U * (MaxAbs(bufBefore) + MaxAbs(grad) + MaxAbs(pBefore)));
    }

    [Theory]
    [InlineData(0.0, false, 1L)]
    [InlineData(1e-2, false, 3L)]
    [InlineData(1e-2, true, 10L)]
    public void Adam_step(double weightDecay, bool decoupled, long step)
    {
        var p = Rand(8, 43);
        var grad = Rand(9, 43);
        var m = Rand(10, 43) * 0.1;
        var v = Uniform(11, 0, 0.1, 43);
        var (pg, mg, vg) = (p.To(_gpu), m.To(_gpu), v.To(_gpu));
        var before = p.ToFloatArray();
        var mBefore = m.Detach().To(DType.Float64);
        Cpu.AdamStep(p.Storage, grad.Storage, m.Storage, v.Storage, 1e-3, 0.9, 0.999, 1e-8, weightDecay, decoupled, step);
        Gpu.AdamStep(pg.Storage, grad.To(_gpu).Storage, mg.Storage, vg.Storage, 1e-3, 0.9, 0.999, 1e-8, weightDecay, decoupled, step);
        // Elementwise formulas (bias corrections, a square root and a division: eight ulps). The update cancels as after -
        // before (4 u max |p|); the first moment, b1 m + (1 - b1) g, among its terms; the second, b2 v + (1 - b2) g^2, adds
        // non-negative terms (8 u of v's scale covers a decayed g near 0).
        Change(pg, before).ShouldMatchElementwise(Change(p, before), "adam parameter update", Ulps8, 4 * U * before.Max(Math.Abs));
        mg.ShouldMatchElementwise(m, "adam first moment", Ulps4, 8 * U * (MaxAbs(mBefore) + MaxAbs(grad) + 1e-2 * before.Max(Math.Abs)));
        vg.ShouldMatchElementwise(v, "adam second moment", Ulps4, 8 * U * MaxAbs(v));
    }

    // after - before, on the CPU: updates are small against the parameters, so compare the updates.
    private static Tensor Change(Tensor after, float[] before) =>
        Tensor.FromArray(after.ToFloatArray().Select((v, i) => v - before[i]).ToArray(), after.Shape);
}

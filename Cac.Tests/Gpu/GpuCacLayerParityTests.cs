using Cac.Nn;
using FluentAssertions;
using Xunit;
using static Cac.Tests.Gpu.Parity;

namespace Cac.Tests.Gpu;

// ContentAwareConv2d end to end on the ILGPU backend's native CAC kernels (score map, partition, the composed sparse
// convolution over the gather/scatter kernels, the dense path's sample points, the straight-through score gradient)
// against the CPU device: forward output, sharp ratio, and the gradients of the input and of every parameter.
[Collection("Gpu")]
[Trait("Category", "GpuParity")]
public class GpuCacLayerParityTests(GpuFixture fixture)
{
    // beta: -1 mixes sharp and smooth windows on N(0, 1) inputs, +1 makes every window sharp (the score is >= 0),
    // -1e6 every window smooth.
    [Theory]
    [InlineData(3, 1, 1, 1, 1, CacPath.Sparse, CacSamplePoint.Centre, -1.0)]
    [InlineData(5, 2, 2, 1, 1, CacPath.Sparse, CacSamplePoint.TopLeft, -1.0)] // k = 5, stride 2: smoothing box m = 2
    [InlineData(3, 2, 2, 2, 2, CacPath.Sparse, CacSamplePoint.Centre, -1.0)]  // stride 2, dilation 2, groups 2
    [InlineData(3, 1, 1, 1, 1, CacPath.Sparse, CacSamplePoint.Centre, 1.0)]   // all sharp
    [InlineData(3, 1, 0, 1, 1, CacPath.Sparse, CacSamplePoint.TopLeft, -1e6)] // all smooth
    [InlineData(5, 2, 2, 1, 2, CacPath.Dense, CacSamplePoint.Centre, -1.0)]
    public void Forward_and_backward_match_the_cpu(int k, int stride, int pad, int dilation, int groups, CacPath path,
        CacSamplePoint point, double beta)
    {
        var gpuDevice = fixture.Gpu;
        ContentAwareConv2d Layer()
        {
            var layer = new ContentAwareConv2d(4, 4, k, stride, pad, dilation, groups, samplePoint: point, path: path, generator: new Generator(1));
            layer.Beta.CopyFrom(Tensor.Full([1], beta));
            return layer;
        }
        var cpu = Layer();
        var gpu = Layer();
        gpu.To(gpuDevice);

        var x = Rand(2, 2, 4, 9, 8);
        var xc = x.Detach(); xc.RequiresGrad = true;
        var xg = x.To(gpuDevice); xg.RequiresGrad = true;
        var yc = cpu.Forward(xc);
        var yg = gpu.Forward(xg);
        yg.Device.Should().Be(gpuDevice);
        double expectedRatio = beta > 0 ? 1 : beta < -1e3 ? 0 : cpu.LastSharpRatio;
        cpu.LastSharpRatio.Should().Be(expectedRatio);
        if (beta == -1.0) cpu.LastSharpRatio.Should().BeInRange(0.05, 0.95);
        gpu.LastSharpRatio.Should().Be(cpu.LastSharpRatio);

        var gy = Rand(3, yc.Shape);
        yc.Backward(gy);
        yg.Backward(gy.To(gpuDevice));
        string what = $"k={k} s={stride} p={pad} d={dilation} g={groups} {path} {point} beta={beta}";
        // Normwise: y sums Cin/G k^2 products and the bias, dL/dx at most k^2 windows of Cout/G channels (k^2 more for the
        // smooth windows' tap sums), dL/dW and dL/db one term per position; dL/dgamma and dL/dbeta add gy y over every
        // output after y's own sums.
        int cinG = 4 / groups, coutG = 4 / groups, positions = yc.Dims[0] * yc.Dims[2] * yc.Dims[3], yTerms = cinG * k * k + 1;
        yg.To(Device.Cpu).ShouldMatchNormwise(yc, $"y {what}", yTerms);
        xg.Grad!.To(Device.Cpu).ShouldMatchNormwise(xc.Grad!, $"dL/dx {what}", (coutG + 1) * k * k);
        var terms = new Dictionary<string, int> { ["weight"] = positions + 1, ["bias"] = positions, ["gamma"] = yTerms + 4 * positions + 2, ["beta"] = yTerms + 4 * positions + 1 };
        foreach (var ((name, pg), (_, pc)) in gpu.NamedParameters().Zip(cpu.NamedParameters()))
            pg.Grad!.To(Device.Cpu).ShouldMatchNormwise(pc.Grad!, $"dL/d{name} {what}", terms[name]);
    }
}

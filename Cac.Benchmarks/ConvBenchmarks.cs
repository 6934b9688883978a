using BenchmarkDotNet.Attributes;

namespace Cac.Benchmarks;

/// <summary>
/// 3 x 3, stride-1, pad-1 convolutions, forward and both gradients, with the fast kernels (Winograd) and with
/// im2col + GEMM (<see cref="CpuBackend.Kernels"/>; the reference loops are too slow to time here): the ResNet-20 stage shapes and a DenseNet-like 48-channel layer at batch 128,
/// wider ImageNet-stage layers at batch 16.
/// </summary>
[MemoryDiagnoser]
public class ConvBenchmarks
{
    private Tensor _x = null!, _w = null!, _y = null!, _gy = null!, _gx = null!, _gw = null!;
    private ConvGeometry _g;

    /// <summary>Channels and spatial size "C/HW".</summary>
    [Params("16/32", "32/16", "64/8", "48/32", "128/16", "256/14", "512/7")]
    public string Shape { get; set; } = "16/32";

    /// <summary>Which kernels run the convs (Fast: Winograd; Gemm: im2col + GEMM).</summary>
    [Params(CpuKernelChoice.Fast, CpuKernelChoice.Gemm)]
    public CpuKernelChoice Kernels { get; set; } = CpuKernelChoice.Fast;

    /// <summary>Random input, weights and output gradient.</summary>
    [GlobalSetup]
    public void Setup()
    {
        int c = int.Parse(Shape.Split('/')[0]), hw = int.Parse(Shape.Split('/')[1]);
        int n = c <= 64 ? 128 : 16;
        CpuBackend.Kernels = Kernels;
        _g = new ConvGeometry(n, c, hw, hw, c, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        var gen = new Generator(2);
        _x = Tensor.RandN([n, c, hw, hw], gen);
        _w = Tensor.RandN([c, c, 3, 3], gen);
        _gy = Tensor.RandN([n, c, hw, hw], gen);
        _y = Tensor.Zeros([n, c, hw, hw]);
        _gx = Tensor.Zeros([n, c, hw, hw]);
        _gw = Tensor.Zeros([c, c, 3, 3]);
    }

    /// <summary>y = conv(x, w).</summary>
    [Benchmark]
    public void Forward() => Device.Cpu.Backend.Conv2dForward(_x.Storage, _w.Storage, null, _y.Storage, _g);

    /// <summary>gx = dL/dx.</summary>
    [Benchmark]
    public void BackwardInput() => Device.Cpu.Backend.Conv2dBackwardInput(_gy.Storage, _w.Storage, _gx.Storage, _g);

    /// <summary>gw = dL/dw.</summary>
    [Benchmark]
    public void BackwardWeight() => Device.Cpu.Backend.Conv2dBackwardWeight(_x.Storage, _gy.Storage, _gw.Storage, _g);
}

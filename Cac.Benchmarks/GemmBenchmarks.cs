using BenchmarkDotNet.Attributes;

namespace Cac.Benchmarks;

/// <summary>SGEMM C (m, n) = A (m, k) @ B (k, n) through the CPU backend, all cores.</summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private Tensor _a = null!, _b = null!, _c = null!;

    /// <summary>Problem sizes "m x n x k".</summary>
    [Params("1024x1024x1024", "256x1024x2304", "16x1088x144")]
    public string Size { get; set; } = "1024x1024x1024";

    private int M => int.Parse(Size.Split('x')[0]);
    private int N => int.Parse(Size.Split('x')[1]);
    private int K => int.Parse(Size.Split('x')[2]);

    /// <summary>Random operands.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var generator = new Generator(1);
        _a = Tensor.RandN([M, K], generator);
        _b = Tensor.RandN([K, N], generator);
        _c = Tensor.Zeros([M, N]);
    }

    /// <summary>A @ B.</summary>
    [Benchmark]
    public void Gemm() => Device.Cpu.Backend.Gemm(false, false, M, N, K, 1.0, _a.Storage, 0, _b.Storage, 0, 0.0, _c.Storage, 0);

    /// <summary>A @ B^T (B read transposed).</summary>
    [Benchmark]
    public void GemmTransB() => Device.Cpu.Backend.Gemm(false, true, M, N, Math.Min(K, N), 1.0, _a.Storage, 0, _b.Storage, 0, 0.0, _c.Storage, 0);
}

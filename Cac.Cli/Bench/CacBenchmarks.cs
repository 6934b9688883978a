using Cac.Training;
using Cac.Nn;

namespace Cac.Cli.Bench;

/// <summary>
/// `cac bench cac`: one content-aware layer (sparse path) against the dense standard 3x3 convolution of the same
/// shape, forward and forward+backward, at sharp ratios 0.25, 0.5 and 0.75, for the three ResNet-20 stage shapes
/// at batch 128. The ratio is forced by choosing beta from the score map of the actual input (gamma = 1). Each ratio
/// times the CAC layer interleaved with the dense conv (one run of each per round), so load changes hit both alike.
/// Runs on <paramref name="device"/> (the CPU backend by default); on an ILGPU device every timed run ends with a
/// synchronisation. On the CPU with the fast kernels the dense conv is the fastest one (Winograd F(4x4, 3x3)); the rows
/// marked "gemm" time it with <see cref="CpuBackend.Kernels"/> = <see cref="CpuKernelChoice.Gemm"/> as well: im2col +
/// GEMM does the full k x k arithmetic at every window, as the CAC layer does at its sharp windows, so that ratio
/// isolates what skipping windows gains.
/// </summary>
internal sealed class CacBenchmarks(bool quick, Action<string> progress, Device? device = null)
{
    private readonly Device _device = device ?? Device.Cpu;

    private static readonly (int Channels, int Size)[] Shapes = [(16, 32), (32, 16), (64, 8)];
    private static readonly double[] Ratios = [0.25, 0.5, 0.75];
    private const int Batch = 128;

    public List<BenchResult> Run()
    {
        var results = new List<BenchResult>();
        var fwdSpeedups = new List<double>();
        var bothSpeedups = new List<double>();
        var gemmSpeedups = new List<double>();
        foreach (var (c, size) in Shapes)
        {
            var generator = new Generator(c);
            var x = Tensor.RandN([Batch, c, size, size], generator).To(_device);
            var gy = Tensor.RandN([Batch, c, size, size], generator).To(_device);
            var layer = new ContentAwareConv2d(c, c, 3, padding: 1, bias: false, generator: generator);
            layer.To(_device);
            var weight = layer.Weight.Detach();
            string shape = $"{c}ch_{size}x{size}";

            // The dense conv is timed again beside each ratio, interleaved with it (see Timing); its row is the median of those.
            var denseFwds = new List<double>();
            var denseBoths = new List<double>();
            foreach (var rho in Ratios)
            {
                layer.Beta.CopyFrom(Tensor.FromArray([(float)BetaForRatio(x, rho)], [1]).To(_device));
                string tag = $"cac_{shape}_rho{rho * 100:F0}";
                var (denseFwd, sparseFwd, gemmFwd) = Time(() => Ops.Conv2d(x, weight, null, 1, 1), () => layer.Forward(x));
                double measured = layer.LastSharpRatio;
                var (denseBoth, sparseBoth) = TimeWithBackward(() => Ops.Conv2d(x, layer.Weight, null, 1, 1), () => layer.Forward(x), x, gy, layer);
                denseFwds.Add(denseFwd);
                denseBoths.Add(denseBoth);
                results.Add(new BenchResult($"{tag}_measured_rho", measured, "ratio"));
                results.Add(new BenchResult($"{tag}_dense_fwd_ms", denseFwd * 1e3, "ms"));
                results.Add(new BenchResult($"{tag}_dense_fwdbwd_ms", denseBoth * 1e3, "ms"));
                results.Add(new BenchResult($"{tag}_fwd_ms", sparseFwd * 1e3, "ms"));
                results.Add(new BenchResult($"{tag}_fwdbwd_ms", sparseBoth * 1e3, "ms"));
                results.Add(new BenchResult($"{tag}_fwd_speedup", denseFwd / sparseFwd, "x"));
                if (gemmFwd is { } gemm)
                {
                    results.Add(new BenchResult($"{tag}_dense_gemm_fwd_ms", gemm * 1e3, "ms"));
                    results.Add(new BenchResult($"{tag}_fwd_speedup_vs_gemm", gemm / sparseFwd, "x"));
                }
                results.Add(new BenchResult($"{tag}_fwdbwd_speedup", denseBoth / sparseBoth, "x"));
                progress($"  {tag}: rho {measured:F3}, forward {denseFwd * 1e3:F1} -> {sparseFwd * 1e3:F1} ms ({denseFwd / sparseFwd:F2}x), " +
                         $"forward+backward {denseBoth * 1e3:F1} -> {sparseBoth * 1e3:F1} ms ({denseBoth / sparseBoth:F2}x)");
                if (rho == 0.5)
                {
                    if (gemmFwd is { } gemm50) gemmSpeedups.Add(gemm50 / sparseFwd);
                    fwdSpeedups.Add(denseFwd / sparseFwd);
                    bothSpeedups.Add(denseBoth / sparseBoth);
                }
            }
            results.Add(new BenchResult($"conv3x3_{shape}_fwd_ms", denseFwds.Order().ElementAt(1) * 1e3, "ms"));
            results.Add(new BenchResult($"conv3x3_{shape}_fwdbwd_ms", denseBoths.Order().ElementAt(1) * 1e3, "ms"));
        }
        results.Add(new BenchResult("cac_fwd_speedup_rho50_geomean", GeoMean(fwdSpeedups), "x"));
        results.Add(new BenchResult("cac_fwdbwd_speedup_rho50_geomean", GeoMean(bothSpeedups), "x"));
        if (gemmSpeedups.Count > 0)
            results.Add(new BenchResult("cac_fwd_speedup_vs_gemm_rho50_geomean", GeoMean(gemmSpeedups), "x"));
        return results;
    }

    // beta such that a fraction rho of the windows has G + beta > 0 (gamma = 1).
    private static double BetaForRatio(Tensor x, double rho)
    {
        using var _ = Autograd.NoGrad();
        return -CacThresholdCalibration.Threshold(Ops.CacScoreMap(x, 3, 1, 1).ToDoubleArray(), rho);
    }

    // Forward of the dense conv and of the CAC layer, interleaved (on the CPU also the dense conv by im2col + GEMM); median
    // seconds of each.
    private (double Dense, double Sparse, double? Gemm) Time(Func<Tensor> dense, Func<Tensor> sparse)
    {
        using var _ = Autograd.NoGrad();
        List<Action> runs = [() => { dense(); Timing.WaitFor(_device); }, () => { sparse(); Timing.WaitFor(_device); }];
        if (_device.Backend is CpuBackend) runs.Add(() => WithGemm(dense));
        var t = Timing.MedianSeconds(runs, quick ? 1 : 3, quick ? 3 : 9);
        return (t[0], t[1], _device.Backend is CpuBackend ? t[2] : null);
    }

    private static void WithGemm(Func<Tensor> run)
    {
        var before = CpuBackend.Kernels;
        CpuBackend.Kernels = CpuKernelChoice.Gemm;
        try { run(); }
        finally { CpuBackend.Kernels = before; }
    }

    // Forward + backward (gradients of x and the layer's parameters) of both, interleaved.
    private (double Dense, double Sparse) TimeWithBackward(Func<Tensor> dense, Func<Tensor> sparse, Tensor x, Tensor gy, Module layer)
    {
        x.RequiresGrad = true;
        Action Step(Func<Tensor> forward) => () =>
        {
            x.Grad = null;
            layer.ZeroGrad();
            forward().Backward(gy);
            Timing.WaitFor(_device);
        };
        var t = Timing.MedianSeconds([Step(dense), Step(sparse)], quick ? 1 : 2, quick ? 3 : 7);
        x.RequiresGrad = false;
        return (t[0], t[1]);
    }

    private static double GeoMean(IReadOnlyList<double> values) => Math.Exp(values.Average(Math.Log));
}

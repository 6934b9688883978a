using System.Diagnostics;
using Cac.Adversarial;
using Cac.Data;
using Cac.Gpu;
using Cac.Models;
using Cac.Nn;
using Cac.Optim;

namespace Cac.Cli.Bench;

/// <summary>
/// The core benchmarks, float32: SGEMM, 3 x 3 convolutions at the ResNet-20 stage shapes (batch 128),
/// ResNet-20 / ResNet-56 training steps, ResNet-20 inference and a PGD-10 attack on ResNet-20 on random CIFAR-shaped data
/// (3 x 32 x 32), and on the CPU the ImageNet input pipeline (<see cref="ImageFolderLoaderBenchmark"/>).
/// The same workloads as bench/pytorch_reference.py, under the same names. They run on <paramref name="device"/>
/// (the CPU backend by default); on an ILGPU device every timed run ends with a synchronisation, and a training
/// step and each inference batch runs in its own <see cref="TensorScope"/>, as in `cac train` and `cac eval`.
/// </summary>
public sealed class CoreBenchmarks(bool quick, Action<string> progress, string? filter = null, Device? device = null)
{
    private readonly Device _device = device ?? Device.Cpu;

    private const int Batch = 128;
    private int Warmup => quick ? 1 : 2;
    private int Repeats => quick ? 3 : 7;
    private int ModelRepeats => quick ? 3 : 5;

    /// <summary>Runs every benchmark and returns the measurements in a fixed order.</summary>
    public List<BenchResult> Run()
    {
        var results = new List<BenchResult>();
        void Add(BenchResult r)
        {
            results.Add(r);
            progress($"  {r.Name,-28} {r.Value,10:F2} {r.Unit}{r.QuartileText("F2")}");
        }
        bool Wants(string group) => filter is null || group.Contains(filter, StringComparison.OrdinalIgnoreCase);
        if (Wants("gemm_1024")) Add(Gemm("gemm_1024", 1024, 1024, 1024));
        if (Wants("gemm_256x2304x1024")) Add(Gemm("gemm_256x2304x1024", 256, 1024, 2304));
        foreach (var (c, hw) in new[] { (16, 32), (32, 16), (64, 8) })
            if (Wants($"conv3x3_{c}ch_{hw}x{hw}"))
                foreach (var r in Conv(c, hw)) Add(r);
        if (Wants("resnet20_train"))
        {
            Add(Train("resnet20"));
            Add(new BenchResult("peak_working_set_mb", Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0), "MiB"));
            if (_device.Backend is GpuBackend gpu)
                Add(new BenchResult("device_pool_mb", gpu.MemoryStatistics.AllocatedBytes / (1024.0 * 1024.0), "MiB"));
        }
        if (Wants("resnet20_infer")) Add(Infer("resnet20"));
        if (Wants("pgd10_resnet20")) Add(Pgd10("resnet20"));
        if (Wants("resnet56_train")) Add(Train("resnet56"));
        if (Wants(ImageFolderLoaderBenchmark.Name) && _device.Kind == DeviceKind.Cpu)
        {
            progress($"{ImageFolderLoaderBenchmark.Name} ...");
            Add(ImageFolderLoaderBenchmark.Run(Warmup - 1, quick ? 2 : 3));
        }
        return results;
    }

    private Tensor Random(int[] shape, Generator generator) => Tensor.RandN(shape, generator).To(_device);

    private Tensor Zeros(int[] shape) => Tensor.Zeros(shape, DType.Float32, _device);

    // C (m, n) = A (m, k) @ B (k, n), row-major, all cores (or the device).
    private BenchResult Gemm(string name, int m, int n, int k)
    {
        progress($"{name} ...");
        var generator = new Generator(1);
        var a = Random([m, k], generator);
        var b = Random([k, n], generator);
        var c = Zeros([m, n]);
        var backend = _device.Backend;
        var seconds = Timing.Summarize(() =>
        {
            backend.Gemm(false, false, m, n, k, 1.0, a.Storage, 0, b.Storage, 0, 0.0, c.Storage, 0);
            Timing.WaitFor(_device);
        }, Warmup, Repeats * 2);
        return BenchResult.FromTiming($"{name}_gflops", seconds, t => 2.0 * m * n * k / t / 1e9, "GFLOP/s");
    }

    // 3 x 3, stride 1, pad 1, no bias, C -> C channels, batch 128: forward, and forward + input and weight gradients.
    private IEnumerable<BenchResult> Conv(int channels, int size)
    {
        string name = $"conv3x3_{channels}ch_{size}x{size}";
        progress($"{name} ...");
        var generator = new Generator(2);
        var geometry = new ConvGeometry(Batch, channels, size, size, channels, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        var x = Random([Batch, channels, size, size], generator);
        var w = Random([channels, channels, 3, 3], generator);
        var y = Zeros([Batch, channels, size, size]);
        var gy = Random([Batch, channels, size, size], generator);
        var gx = Zeros([Batch, channels, size, size]);
        var gw = Zeros([channels, channels, 3, 3]);
        var backend = _device.Backend;
        var forward = Timing.Summarize(() =>
        {
            backend.Conv2dForward(x.Storage, w.Storage, null, y.Storage, geometry);
            Timing.WaitFor(_device);
        }, Warmup, Repeats);
        var both = Timing.Summarize(() =>
        {
            backend.Conv2dForward(x.Storage, w.Storage, null, y.Storage, geometry);
            backend.Conv2dBackwardInput(gy.Storage, w.Storage, gx.Storage, geometry);
            backend.Conv2dBackwardWeight(x.Storage, gy.Storage, gw.Storage, geometry);
            Timing.WaitFor(_device);
        }, Warmup, Repeats);
        yield return BenchResult.FromTiming($"{name}_fwd_ms", forward, t => t * 1e3, "ms");
        yield return BenchResult.FromTiming($"{name}_fwdbwd_ms", both, t => t * 1e3, "ms");
    }

    // One SGD step (Nesterov momentum, weight decay) on a random batch; images per second.
    private BenchResult Train(string model)
    {
        progress($"{model} training ...");
        var generator = new Generator(3);
        var net = ModelRegistry.Create(model, 3, 10, generator);
        net.To(_device);
        net.Train();
        var optimizer = new Sgd(net.Parameters(), 0.1, momentum: 0.9, weightDecay: 1e-4, nesterov: true);
        var images = Random([Batch, 3, 32, 32], generator);
        var labels = Tensor.FromArray(Enumerable.Range(0, Batch).Select(i => i % 10).ToArray(), [Batch], _device);
        var seconds = Timing.Summarize(() => Step(net, optimizer, images, labels), Warmup, ModelRepeats);
        return BenchResult.FromTiming($"{model}_train_img_s", seconds, t => Batch / t, "img/s");
    }

    // Forward pass in evaluation mode without a graph; images per second.
    private BenchResult Infer(string model)
    {
        progress($"{model} inference ...");
        var generator = new Generator(4);
        var net = ModelRegistry.Create(model, 3, 10, generator);
        net.To(_device);
        net.Eval();
        var images = Random([Batch, 3, 32, 32], generator);
        var seconds = Timing.Summarize(() => Forward(net, images), Warmup, ModelRepeats * 2);
        return BenchResult.FromTiming($"{model}_infer_img_s", seconds, t => Batch / t, "img/s");
    }

    // PGD-10 (eps 8/255, step 2/255, random start) on a batch of random pixels in [0, 1], the model in evaluation mode
    // behind CIFAR-10's normalisation as `cac attack` runs it; images attacked per second.
    private BenchResult Pgd10(string model)
    {
        progress($"PGD-10 on {model} ...");
        var generator = new Generator(5);
        var cifar = DatasetCatalog.Info("cifar10");
        var net = InputNormalization.Wrap(ModelRegistry.Create(model, 3, 10, generator), cifar.Mean, cifar.Std);
        net.To(_device);
        net.Eval();
        var images = Tensor.Uniform([Batch, 3, 32, 32], generator, 0, 1, DType.Float32, _device);
        var labels = Tensor.FromArray(Enumerable.Range(0, Batch).Select(i => i % 10).ToArray(), [Batch], _device);
        var options = new AttackOptions(Steps: AttackOptions.PaperSteps, RandomStart: true);
        var seconds = Timing.Summarize(() =>
        {
            using var scope = TensorScope.Begin();
            _ = Pgd.Attack(net, images, labels, options, generator).ToFloatArray();
        }, 1, ModelRepeats);
        return BenchResult.FromTiming($"pgd10_{model}_img_s", seconds, t => Batch / t, "img/s");
    }

    // One inference forward; its temporaries are released at the end (as `cac eval` does per batch).
    private static void Forward(Module net, Tensor images)
    {
        using var batch = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        _ = net.Forward(images).ToFloatArray();
    }

    // One training step; its graph and temporaries are released at the end (as `cac train` does per step).
    private static void Step(Module net, Optimizer optimizer, Tensor images, Tensor labels)
    {
        using var step = TensorScope.Begin();
        var loss = Ops.CrossEntropy(net.Forward(images), labels);
        optimizer.ZeroGrad();
        loss.Backward();
        optimizer.Step();
        _ = loss.Item();
    }
}

using Cac.Models;
using Cac.Nn;
using Cac.Serialization;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.PyTorch;

/// <summary>
/// The C# -> Python half of the safetensors round trip: a checkpoint of a seeded Cac model
/// (<c>SafeTensors.Save(path, net.StateDict())</c>) and its evaluation-mode logits for a fixed input are handed to
/// fixtures/check_cac_checkpoint.py, which loads the state dict into the PyTorch model with strict=True and compares the
/// logits (and, for CAC, every layer's sharp ratio). The same script must reject a checkpoint with one weight changed,
/// one beta changed, or one key missing. Skipped (not passed) where /usr/bin/python3 with torch is not installed.
/// </summary>
[Trait("Category", "PyTorchFixture")]
public class CheckpointToPyTorchTests
{
    [PythonTorchTheory]
    [InlineData("resnet20")]
    [InlineData("cac-resnet20")]
    public void A_cac_checkpoint_loads_strictly_into_pytorch_and_gives_the_same_logits(string model)
    {
        var net = ModelRegistry.Create(model, new Generator(41));
        using (Autograd.NoGrad())
            for (int i = 0; i < 2; i++) net.Forward(RandF(50 + i, 4, 3, 32, 32));      // move the batch-norm running statistics
        net.Eval();
        var cacs = net.NamedModules().Select(m => m.Module).OfType<ContentAwareConv2d>().ToList();
        var x = RandF(42, 2, 3, 32, 32);
        var walked = cacs.Count > 0 ? ChooseThresholds(net, x) : null;

        Tensor logits;
        using (Autograd.NoGrad()) logits = net.Forward(x);                              // (2, 10)
        if (walked is not null) walked.ToFloatArray().Should().Equal(logits.ToFloatArray(), "the walk that chose the thresholds is the model's forward");
        var ratios = cacs.Select(c => c.LastSharpRatio).ToArray();
        if (cacs.Count > 0) ratios.Should().OnlyContain(r => r > 0.2 && r < 0.8, "every layer mixes sharp and smooth windows");

        string dir = Directory.CreateTempSubdirectory("cac-to-pytorch-").FullName;
        try
        {
            string ckpt = Path.Combine(dir, "model.safetensors"), io = Path.Combine(dir, "io.safetensors");
            var state = net.StateDict();
            SafeTensors.Save(ckpt, state, new Dictionary<string, string> { ["model"] = model });
            var ioTensors = new Dictionary<string, Tensor> { ["input"] = x, ["logits"] = logits };
            if (cacs.Count > 0) ioTensors["sharp_ratios"] = Tensor.FromArray(ratios, [ratios.Length]);
            SafeTensors.Save(io, ioTensors);
            ExpectAccepted(ckpt, io);

            // One weight changed: the logits must differ.
            string bad = Path.Combine(dir, "bad.safetensors");
            SafeTensors.Save(bad, With(state, "layer2.1.conv2.weight", v => v + 0.5f), new Dictionary<string, string> { ["model"] = model });
            ExpectRejected(bad, io, "logits differ");

            // One key missing: strict loading must fail.
            SafeTensors.Save(bad, state.Where(kv => kv.Key != "layer3.0.bn1.running_var").ToDictionary(kv => kv.Key, kv => kv.Value),
                new Dictionary<string, string> { ["model"] = model });
            ExpectRejected(bad, io, "Missing key(s) in state_dict: \"layer3.0.bn1.running_var\"");

            if (cacs.Count > 0)
            {
                // One threshold moved far: that layer's mask (and so the logits) must differ.
                SafeTensors.Save(bad, With(state, "layer1.1.conv1.beta", v => v - 100f), new Dictionary<string, string> { ["model"] = model });
                ExpectRejected(bad, io, "sharp ratios differ");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void ExpectAccepted(string ckpt, string io)
    {
        var (code, output) = PythonTorch.Run("check_cac_checkpoint.py", ckpt, io);
        code.Should().Be(0, $"PyTorch should accept the checkpoint; the checker said:\n{output}");
        output.Should().Contain("loaded strictly");
    }

    private static void ExpectRejected(string ckpt, string io, string reason)
    {
        var (code, output) = PythonTorch.Run("check_cac_checkpoint.py", ckpt, io);
        code.Should().Be(1, $"the checker should reject a corrupted checkpoint; it said:\n{output}");
        output.Should().Contain(reason);
    }

    // A copy of the state dict with entry `key` replaced by f(each value) (the model's own tensors are not touched).
    private static Dictionary<string, Tensor> With(IReadOnlyDictionary<string, Tensor> state, string key, Func<float, float> f)
    {
        state.Should().ContainKey(key);
        var copy = state.ToDictionary(kv => kv.Key, kv => kv.Value);
        var values = copy[key].ToFloatArray();
        values[0] = f(values[0]);
        copy[key] = Tensor.FromArray(values, copy[key].Shape);
        return copy;
    }

    /// <summary>
    /// Gives each CAC layer, in forward order, a gamma in [0.6, 1.6) and puts its beta in the widest gap of the sorted
    /// scores gamma * G between their 35% and 65% quantiles (as make_cac_fixtures.py does), so that about half the
    /// windows are sharp and no score lies close to the threshold: float rounding in either framework cannot flip a mask
    /// bit. Each layer's input comes from walking the CIFAR ResNet's modules by name; the walk must reproduce
    /// <see cref="Module.Forward"/>, which the caller checks.
    /// </summary>
    private static Tensor ChooseThresholds(Module net, Tensor x)
    {
        var rng = new Random(43);
        var modules = net.NamedModules().ToDictionary(m => m.Name, m => m.Module);
        using var noGrad = Autograd.NoGrad();
        Tensor Conv(string name, Tensor input)
        {
            var c = (ContentAwareConv2d)modules[name];
            double gamma = (float)(0.6 + rng.NextDouble());
            var scores = Ops.CacScoreMap(input, c.KernelSize, c.Stride, c.Padding, c.Dilation).ToDoubleArray()
                .Select(score => gamma * score).Order().ToArray();
            int best = (int)(0.35 * scores.Length);
            for (int i = best; i < (int)(0.65 * scores.Length); i++)
                if (scores[i + 1] - scores[i] > scores[best + 1] - scores[best]) best = i;
            c.Gamma.CopyFrom(Tensor.Full([1], gamma));
            c.Beta.CopyFrom(Tensor.Full([1], -(scores[best] + scores[best + 1]) / 2));
            return c.Forward(input);
        }
        Tensor Bn(string name, Tensor input) => modules[name].Forward(input);

        var h = Ops.Relu(Bn("bn1", Conv("conv1", x)));
        for (int stage = 1; stage <= 3; stage++)
            for (int block = 0; modules.ContainsKey($"layer{stage}.{block}"); block++)
            {
                string b = $"layer{stage}.{block}.";
                var inner = Ops.Relu(Bn(b + "bn1", Conv(b + "conv1", h)));
                inner = Bn(b + "bn2", Conv(b + "conv2", inner));
                var skip = modules.TryGetValue(b + "shortcut", out var shortcut) ? shortcut.Forward(h) : h;
                h = Ops.Relu(inner + skip);
            }
        return ((Linear)modules["fc"]).Forward(Ops.Flatten(Ops.AdaptiveAvgPool2d(h, 1, 1)));
    }
}

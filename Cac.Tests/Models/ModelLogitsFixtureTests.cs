using System.Diagnostics;
using Cac.Models;
using Cac.Tests.PyTorch;
using FluentAssertions;
using FluentAssertions.Execution;
using Xunit;
using Xunit.Abstractions;

namespace Cac.Tests.Models;

/// <summary>
/// Whole zoo models against torchvision's logits: the model is filled with the synthetic weights of
/// <see cref="HashFill"/> (bit-identical to fixtures/make_model_logit_fixtures.py's), run in eval mode on the CPU
/// backend on the same synthetic input, in float32 and in float64, and compared with torchvision's float64 logits for
/// exactly those float32 weights and input (Fixtures/logits_&lt;model&gt;.json, 17 significant digits).
/// </summary>
[Trait("Category", "PyTorchFixture")]
public class ModelLogitsFixtureTests(ITestOutputHelper output)
{
    private const string Script = "make_model_logit_fixtures.py";

    public static TheoryData<string> Models => ["resnet18", "resnet50", "densenet121", "shufflenetv2", "densenet121-cifar", "shufflenetv2-cifar"];

    [Theory]
    [MemberData(nameof(Models))]
    public void The_generator_reproduces_the_scripts_check_values(string model)
    {
        var fx = FixtureFile.LoadPrecise($"logits_{model}", Script);
        var streams = UInts(fx, "check_stream");
        var indices = UInts(fx, "check_index");
        var hashes = fx.Json("check_hash").EnumerateArray().Select(e => ulong.Parse(e.GetString()!)).ToArray();
        var ms = Ints(fx, "check_m");
        for (int k = 0; k < streams.Length; k++)
        {
            HashFill.Hash(streams[k], indices[k]).Should().Be(hashes[k], $"h({streams[k]}, {indices[k]})");
            HashFill.M(streams[k], indices[k]).Should().Be(ms[k], $"m({streams[k]}, {indices[k]})");
        }
        HashFill.SplitMix64(0).Should().Be(0xE220A8397B1DCDAFUL, "splitmix64's well-known first output from seed 0");

        // The per-entry rules: a few filled values of the first entry of each rule, and of the last entry.
        var entries = ZooFixture.Load(model).StateDict;
        var keyIndex = entries.Select((e, s) => (e.Key, s)).ToDictionary(e => e.Key, e => e.s);
        var checkValues = fx.Json("check_values").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var checkKeys = fx.Json("check_keys").EnumerateArray().ToArray();
        checkKeys.Length.Should().Be(checkValues.Length).And.BeGreaterThanOrEqualTo(16);
        var filled = new Dictionary<string, double[]>();
        for (int k = 0; k < checkKeys.Length; k++)
        {
            string key = checkKeys[k][0].GetString()!;
            int i = checkKeys[k][1].GetInt32();
            if (!filled.TryGetValue(key, out var values))
            {
                var t = HashFill.Entry((uint)keyIndex[key], key, entries[keyIndex[key]].Shape);
                filled[key] = values = t.DType == DType.Int32 ? Array.ConvertAll(t.ToIntArray(), v => (double)v) : t.ToDoubleArray();
            }
            values[i].Should().Be(checkValues[k], $"{key}[{i}]");
        }
        filled.Keys.Select(k => HashFill.Rule(k, entries[keyIndex[k]].Shape)).Distinct().Should().HaveCount(6, "every rule is checked");

        var input = HashFill.Input(Ints(fx, "input_shape")).ToDoubleArray();
        var inputCheck = fx.Json("input_check").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        new[] { input[0], input[1], input[^1] }.Should().Equal(inputCheck);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Eval_logits_match_torchvision_in_float32_and_float64(string model)
    {
        var fx = FixtureFile.LoadPrecise($"logits_{model}", Script);
        fx.String("model").Should().Be(model);
        var watch = Stopwatch.StartNew();
        var net = ModelRegistry.Create(model, new Generator(0));
        double create = watch.Elapsed.TotalSeconds;
        var entries = net.StateDict().Select(kv => (kv.Key, Shape: kv.Value.Dims.ToArray())).ToList();
        entries.Select(e => e.Key).Should().Equal(fx.Json("state_dict").EnumerateArray().Select(e => e.GetString()), "the fill follows state_dict order");
        var state = HashFill.State(entries);
        double fill = watch.Elapsed.TotalSeconds;
        net.LoadStateDict(state);   // strict
        net.Eval();
        var x = HashFill.Input(Ints(fx, "input_shape"));
        double build = watch.Elapsed.TotalSeconds;

        var expected = fx.Data("logits");
        fx.ShapeOf("logits").Should().Equal(x.Dims[0], ModelRegistry.Info(model).NumClasses);
        double scale = expected.Max(Math.Abs);
        double rms = Math.Sqrt(expected.Average(v => v * v));

        // Reduction length K (the largest fan-in) and depth L (conv and linear layers), from the weights.
        var weights = entries.Where(e => HashFill.Rule(e.Key, e.Shape) == "weight").ToList();
        long k = weights.Max(e => Shape.Numel(e.Shape) / e.Shape[0]);
        int depth = weights.Count;

        // Inference (no graph: ResNet-18's blocks fold their BNs into the convs) in float32 and float64, and float32 with a
        // graph (every layer on its own).
        using var scope = new AssertionScope();   // every mode runs and reports before the test fails
        foreach (var (dtype, graph) in new[] { (DType.Float32, false), (DType.Float32, true), (DType.Float64, false) })
        {
            watch.Restart();
            if (dtype == DType.Float64) net.To(DType.Float64);
            Tensor logits;
            using (graph ? null : Autograd.NoGrad()) logits = net.Forward(x.To(dtype));
            string what = $"{model} {dtype.Name()}{(graph ? " with a graph" : "")}";
            logits.DType.Should().Be(dtype);
            logits.Dims.ToArray().Should().Equal(fx.ShapeOf("logits"));
            var got = logits.ToDoubleArray();
            double tol = Tolerance(dtype == DType.Float32 ? Math.ScaleB(1, -24) : Math.ScaleB(1, -53), k, depth);
            double maxErr = 0, maxElemRatio = 0;
            var outliers = new List<string>();
            for (int i = 0; i < got.Length; i++)
            {
                double e = Math.Abs(got[i] - expected[i]);
                if (double.IsNaN(e)) e = double.PositiveInfinity;
                maxErr = Math.Max(maxErr, e);
                double ratio = e / (rms + Math.Abs(expected[i]));
                maxElemRatio = Math.Max(maxElemRatio, ratio);
                if (ratio > tol) outliers.Add($"[{i}] expected {expected[i]:g10}, got {got[i]:g10}");
            }
            output.WriteLine($"{what}: max|err| / max|logit| = {maxErr / scale:e2}, max |err_i| / (rms + |logit_i|) = {maxElemRatio:e2}, "
                             + $"bound {tol:e2} (K = {k}, L = {depth}); max|logit| {scale:g4}, rms {rms:g4}; forward {watch.Elapsed.TotalSeconds:f2} s, "
                             + $"create {create:f2} s, fill {fill - create:f2} s, load {build - fill:f2} s");
            (maxErr / scale).Should().BeLessThanOrEqualTo(tol, $"{what}: max|error| relative to max|logit| {scale:g6}");
            outliers.Should().BeEmpty($"{what}: each logit should be within {tol:e2} * (rms {rms:g4} + |logit|), {outliers.Count} of {got.Length} are not");
        }
    }

    // The bound on |error| relative to max|logit| (and, per logit, relative to rms(logits) + |logit_i|):
    //     u * sqrt(K * L),
    // u the unit roundoff (2^-24 in float32, 2^-53 in float64), K the longest reduction (the largest fan-in: 4608 =
    // 512 * 3 * 3 in ResNet's layer4, 1152 = 128 * 3 * 3 in DenseNet, 1024 in ShuffleNet's conv5) and L the depth (conv
    // and linear layers: 21, 54, 121, 57). Each layer's K-term dot products carry a relative rounding error of about
    // u * sqrt(K) (the rounding errors of a long sum behave as a random walk: Higham and Mary's probabilistic bound),
    // eval-mode BN and ReLU pass errors on with gain of order 1 under HashFill's scales, and the L layers' errors are
    // independent, so they add up as sqrt(L); the float64 reference's own error is a further u * sqrt(K * L) at 2^-53.
    // float32: 1.4e-5 (shufflenetv2) to 3.0e-5 (resnet50); float64: 2.7e-14 to 5.5e-14. Measured (x86-64, CPU backend):
    // 0.6e-6 to 1.7e-6 and 1.7e-15 to 3.2e-15 relative to max|logit| (per logit 0.7e-6 to 3.9e-6 and 2.4e-15 to 1.0e-14),
    // so 5-35x below the bound (room for other summation orders), while bugs fail by far: one BN's eps 1e-4 instead of
    // 1e-5 (the stem's or the last BN, one of 20-120) moves the logits by 5.5e-5 to 8.3e-5 of max|logit| (2-6x the
    // float32 bound); a dropped ReLU, a wrong max-pool padding, a concat or split in the wrong order or one transposed
    // 3x3 kernel by 2e-2 to 25.
    private static double Tolerance(double u, long k, int depth) => u * Math.Sqrt(k * (double)depth);

    private static uint[] UInts(FixtureFile fx, string name) => fx.Json(name).EnumerateArray().Select(e => e.GetUInt32()).ToArray();

    private static int[] Ints(FixtureFile fx, string name) => fx.Json(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();
}

using System.Diagnostics;
using Cac.Models;
using Cac.Models.Segmentation;
using Cac.Nn;
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
/// <para>
/// The content-aware (cac-), octave (oct-) and CAC-OctConv (cac-oct-) variants are checked the same way against the
/// PyTorch references of fixtures/model_reference.py (torchvision's models with a reference CAC conv for every k &gt; 1
/// conv; octave ResNets from the reference octave conv), with each content-aware layer's beta and float64 mask taken
/// from the fixture (<see cref="Variant_logits_and_masks_match_the_reference_in_float64_and_float32"/>).
/// </para>
/// </summary>
[Trait("Category", "PyTorchFixture")]
public class ModelLogitsFixtureTests(ITestOutputHelper output)
{
    private const string Script = "make_model_logit_fixtures.py";

    private static readonly string[] StandardNames = ["resnet18", "resnet50", "densenet121", "shufflenetv2", "densenet121-cifar", "shufflenetv2-cifar"];

    private static readonly string[] VariantNames =
    [
        "cac-resnet20", "cac-resnet18", "cac-resnet50", "cac-densenet121", "cac-shufflenetv2", "cac-densenet121-cifar", "cac-shufflenetv2-cifar",
        "oct-resnet20", "oct-resnet18", "oct-resnet50", "cac-oct-resnet20", "cac-oct-resnet18", "cac-oct-resnet50",
        "oct-densenet121", "oct-densenet121-cifar", "cac-oct-densenet121", "cac-oct-densenet121-cifar",
        "fcn-resnet18", "cac-fcn-resnet18", "rc-fcn-resnet18",
    ];

    public static TheoryData<string> Models => new(StandardNames);

    public static TheoryData<string> Variants => new(VariantNames);

    public static TheoryData<string> AllModels => new([.. StandardNames, .. VariantNames]);

    [Fact]
    public void Every_registered_family_and_conv_type_has_a_logit_fixture()
    {
        // One model per (base architecture, conv type) pair, except the deeper CIFAR ResNets (resnet32/56/110: the same
        // blocks as resnet20, repeated) and the standard resnet20 (its checkpoint test compares its logits with PyTorch).
        var covered = StandardNames.Concat(VariantNames).ToHashSet();
        var missing = ModelRegistry.Models
            .Where(m => m.BaseName is not ("resnet32" or "resnet56" or "resnet110") && m.Name != "resnet20")
            .Select(m => m.Name).Where(n => !covered.Contains(n)).ToList();
        missing.Should().BeEmpty("every family and conv type should be compared with a reference");
    }

    [Theory]
    [MemberData(nameof(AllModels))]
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

        // The per-entry rules: a few filled values of the first entry of each rule, and of the last entry. The shapes come
        // from the zoo fixture (standard models) or the logit fixture (variants).
        var keyIndex = fx.Json("state_dict").EnumerateArray().Select((e, s) => (Key: e.GetString()!, s)).ToDictionary(e => e.Key, e => e.s);
        var checkValues = fx.Json("check_values").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var checkKeys = fx.Json("check_keys").EnumerateArray().ToArray();
        checkKeys.Length.Should().Be(checkValues.Length).And.BeGreaterThanOrEqualTo(16);
        var shapes = fx.HasParam("check_shapes")
            ? fx.Json("check_shapes").EnumerateArray().Select((e, k) => (Key: checkKeys[k][0].GetString()!, Shape: e.EnumerateArray().Select(d => d.GetInt32()).ToArray()))
                .DistinctBy(e => e.Key).ToDictionary(e => e.Key, e => e.Shape)
            : ZooFixture.Load(model).StateDict.ToDictionary(e => e.Key, e => e.Shape);
        var filled = new Dictionary<string, double[]>();
        for (int k = 0; k < checkKeys.Length; k++)
        {
            string key = checkKeys[k][0].GetString()!;
            int i = checkKeys[k][1].GetInt32();
            if (!filled.TryGetValue(key, out var values))
            {
                var t = HashFill.Entry((uint)keyIndex[key], key, shapes[key]);
                filled[key] = values = t.DType == DType.Int32 ? Array.ConvertAll(t.ToIntArray(), v => (double)v) : t.ToDoubleArray();
            }
            values[i].Should().Be(checkValues[k], $"{key}[{i}]");
        }
        bool contentAware = fx.HasParam("cac_layers") && fx.Json("cac_layers").GetArrayLength() > 0;
        filled.Keys.Select(k => HashFill.Rule(k, shapes[k])).Distinct().Should().HaveCount(contentAware ? 8 : 6, "every rule is checked");

        var input = HashFill.Input(Ints(fx, "input_shape")).ToDoubleArray();
        var inputCheck = fx.Json("input_check").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        new[] { input[0], input[1], input[^1] }.Should().Equal(inputCheck);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Eval_logits_match_torchvision_in_float32_and_float64(string model)
    {
        var fx = FixtureFile.LoadPrecise($"logits_{model}", Script);
        var m = Build(model, fx, _ => { });

        // Inference (no graph: ResNet-18's blocks fold their BNs into the convs) in float32 and float64, and float32 with a
        // graph (every layer on its own).
        using var scope = new AssertionScope();   // every mode runs and reports before the test fails
        foreach (var (dtype, graph) in new[] { (DType.Float32, false), (DType.Float32, true), (DType.Float64, false) })
        {
            var watch = Stopwatch.StartNew();
            if (dtype == DType.Float64) m.Net.To(DType.Float64);
            Tensor logits;
            using (graph ? null : Autograd.NoGrad()) logits = m.Net.Forward(m.Input.To(dtype));
            string what = $"{model} {dtype.Name()}{(graph ? " with a graph" : "")}";
            logits.DType.Should().Be(dtype);
            logits.Dims.ToArray().Should().Equal(fx.ShapeOf("logits"));
            string report = CompareLogits(what, m.Expected, logits.ToDoubleArray(), m.Input.Dims[0], null, m.Tolerance(dtype));
            output.WriteLine($"{report} (K = {m.K}, L = {m.Depth}); forward {watch.Elapsed.TotalSeconds:f2} s, {m.Timing}");
        }
    }

    /// <summary>
    /// A content-aware, octave or CAC-OctConv model against its PyTorch reference (fixtures/model_reference.py), filled as
    /// the standard models, with each content-aware layer's beta replaced by the fixture's (the reference chose it from
    /// the layer's own score map so that about a quarter to three quarters of its windows are sharp: 0.24 to 0.88 over
    /// all layers, the extremes on layers of 8 or 32 windows).
    /// <para>
    /// float64: the logits within the standard models' bound, and every content-aware layer's mask equal to the
    /// reference's, window by window (no window's score lies within 2.5e-4 of the threshold, relative to gamma * G +
    /// |beta|, far above float64 rounding), hence the sharp ratios too.
    /// </para>
    /// <para>
    /// float32: a window whose score lies within float32 rounding of the threshold could flip between sharp and smooth,
    /// and a flipped window changes that sample's activations from there on by far more than rounding. So, per sample and
    /// in forward order, every window where Cac's float32 mask differs from the reference's must be one the fixture marks
    /// as near the threshold (|score| &lt; 2^-10 (gamma * G + |beta|)); after a sample's first flip its later masks are
    /// not compared (they follow from a different input), and its logits neither. The logits of the samples without a
    /// flip are compared within the standard float32 bound, and at least one sample must be. The fixtures' smallest
    /// relative margin is 2.5e-4 while float32 errors are around 1e-6, so no window flips today and both samples are
    /// compared in full; with thresholds placed on a window's score instead (margins down to 6e-10, an experiment), one
    /// window flipped in each sample of cac-resnet18, cac-resnet20 and cac-shufflenetv2, always a near one, and the
    /// float64 masks still matched.
    /// </para>
    /// </summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void Variant_logits_and_masks_match_the_reference_in_float64_and_float32(string model)
    {
        var fx = FixtureFile.LoadPrecise($"logits_{model}", Script);
        var names = fx.HasParam("cac_layers") ? fx.Json("cac_layers").EnumerateArray().Select(e => e.GetString()!).ToArray() : [];
        var betas = names.Length > 0 ? fx.Json("beta").EnumerateArray().Select(e => e.GetDouble()).ToArray() : [];
        var m = Build(model, fx, state =>
        {
            for (int l = 0; l < names.Length; l++)
            {
                ((double)(float)betas[l]).Should().Be(betas[l], "the thresholds are float32 values");
                state[names[l] + ".beta"] = Tensor.FromArray([(float)betas[l]], [1]);
            }
        });
        var cascade = m.Net as RegionCascadeFcn;
        if (cascade is not null) cascade.ConfidenceThreshold = fx.Double("rc_threshold");
        var layers = m.Net.NamedModules().Where(e => e.Module is ContentAwareConv2d).Select(e => (e.Name, Layer: (ContentAwareConv2d)e.Module)).ToList();
        layers.Select(l => l.Name).Should().Equal(names, "the content-aware layers are those of the reference (every k > 1 conv)");
        if (model.StartsWith("cac-", StringComparison.Ordinal)) layers.Should().NotBeEmpty();
        var windows = names.Length > 0 ? Ints(fx, "windows") : [];
        var masks = names.Length > 0 ? fx.Json("mask").EnumerateArray().Select((e, l) => Bits(e.GetString()!, windows[l])).ToArray() : [];
        var near = names.Length > 0 ? fx.Json("near").EnumerateArray().Select((e, l) => Bits(e.GetString()!, windows[l])).ToArray() : [];
        var ratios = names.Length > 0 ? fx.Json("sharp_ratio").EnumerateArray().Select(e => e.GetDouble()).ToArray() : [];
        string margins = names.Length > 0
            ? $", {Ints(fx, "near_count").Sum()} of {windows.Sum()} windows near, smallest relative margin {fx.Json("min_relative_margin").EnumerateArray().Min(e => e.GetDouble()):e2}"
            : "";
        int batch = m.Input.Dims[0];

        using var scope = new AssertionScope();   // both dtypes run and report before the test fails
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var watch = Stopwatch.StartNew();
            m.Net.To(dtype);
            Tensor logits;
            using (Autograd.NoGrad()) logits = m.Net.Forward(m.Input.To(dtype));
            string what = $"{model} {dtype.Name()}";
            logits.DType.Should().Be(dtype);
            logits.Dims.ToArray().Should().Equal(fx.ShapeOf("logits"));

            // The cascade's hard region: its confidences lie at least 5e-5 from the threshold, far above rounding.
            if (cascade is not null)
            {
                var hard = cascade.LastHardRegion!.ToDoubleArray().Select(v => v > 0).ToArray();
                hard.Should().Equal(Bits(fx.String("rc_hard"), hard.Length), $"{what}: the hard region should be the reference's");
                cascade.LastHardRatio.Should().Be(fx.Double("rc_hard_ratio"));
            }

            // Masks, layer by layer in forward order, per sample.
            var flippedAt = new string?[batch];
            int flips = 0;
            var sharp = new List<double>();
            for (int l = 0; l < layers.Count; l++)
            {
                var got = layers[l].Layer.LastMask!.ToDoubleArray();
                sharp.Add(layers[l].Layer.LastSharpRatio);
                got.Length.Should().Be(masks[l].Length, $"{what} {names[l]}: windows");
                if (got.Length != masks[l].Length)
                {
                    for (int n = 0; n < batch; n++) flippedAt[n] ??= names[l];
                    continue;
                }
                int perSample = got.Length / batch;
                for (int n = 0; n < batch; n++)
                {
                    if (flippedAt[n] is not null) continue;
                    var differing = Enumerable.Range(n * perSample, perSample).Where(i => (got[i] > 0) != masks[l][i]).ToList();
                    if (differing.Count == 0) continue;
                    flippedAt[n] = names[l];
                    flips += differing.Count;
                    if (dtype == DType.Float64)
                        differing.Should().BeEmpty($"{what} {names[l]} sample {n}: the float64 mask should be the reference's");
                    else
                        differing.Where(i => !near[l][i]).Should().BeEmpty($"{what} {names[l]} sample {n}: only windows near the threshold may flip");
                }
            }
            if (dtype == DType.Float64 && flippedAt.All(f => f is null))
                sharp.Should().Equal(ratios, "the sharp ratios follow from the masks");
            var rows = Enumerable.Range(0, batch).Where(n => flippedAt[n] is null).ToHashSet();
            rows.Should().NotBeEmpty($"{what}: with the fixture's margins rounding cannot flip a window in every sample (both flipped at {string.Join(", ", flippedAt)})");
            string report = rows.Count > 0 ? CompareLogits(what, m.Expected, logits.ToDoubleArray(), batch, rows, m.Tolerance(dtype)) : $"{what}: every sample flipped a window";
            string flipped = string.Join(", ", Enumerable.Range(0, batch).Where(n => flippedAt[n] is not null).Select(n => $"sample {n} at {flippedAt[n]}"));
            output.WriteLine($"{report} (K = {m.K}, L = {m.Depth}); {(layers.Count == 0 ? "no CAC layer" : $"{layers.Count} CAC layers, ")}{(layers.Count == 0 ? "" : flips == 0 ? "masks equal the reference's" : $"{flips} windows flipped: {flipped}")}"
                             + (layers.Count > 0 ? $", sharp ratios {sharp.Min():f3} .. {sharp.Max():f3} (mean {sharp.Average():f3}){margins}" : "")
                             + $"; forward {watch.Elapsed.TotalSeconds:f2} s, {m.Timing}");
        }
    }

    // A model filled for the fixture: Cac's model with HashFill's state (adjust may replace entries), in eval mode, with
    // the fixture's input and logits, the bound's K (largest fan-in) and L (conv and linear layers), and build timings.
    private sealed record Filled(Module Net, Tensor Input, double[] Expected, long K, int Depth, string Timing)
    {
        public double Tolerance(DType dtype) => ModelLogitsFixtureTests.Tolerance(dtype == DType.Float32 ? Math.ScaleB(1, -24) : Math.ScaleB(1, -53), K, Depth);
    }

    private static Filled Build(string model, FixtureFile fx, Action<Dictionary<string, Tensor>> adjust)
    {
        fx.String("model").Should().Be(model);
        var watch = Stopwatch.StartNew();
        var info = ModelRegistry.Info(model);
        int classes = fx.HasParam("classes") ? fx.Int("classes") : info.NumClasses;
        var net = ModelRegistry.Create(model, info.InputChannels, classes, new Generator(0));
        double create = watch.Elapsed.TotalSeconds;
        var entries = net.StateDict().Select(kv => (kv.Key, Shape: kv.Value.Dims.ToArray())).ToList();
        entries.Select(e => e.Key).Should().Equal(fx.Json("state_dict").EnumerateArray().Select(e => e.GetString()), "the fill follows state_dict order");
        var state = HashFill.State(entries);
        adjust(state);
        double fill = watch.Elapsed.TotalSeconds;
        net.LoadStateDict(state);   // strict
        net.Eval();
        var x = HashFill.Input(Ints(fx, "input_shape"));
        double build = watch.Elapsed.TotalSeconds;
        int[] logitShape = info.IsSegmentation ? [x.Dims[0], classes, x.Dims[2], x.Dims[3]] : [x.Dims[0], classes];
        fx.ShapeOf("logits").Should().Equal(logitShape);

        // Reduction length K (the largest fan-in) and depth L (conv and linear layers), from the weights.
        var weights = entries.Where(e => HashFill.Rule(e.Key, e.Shape) == "weight").ToList();
        return new Filled(net, x, fx.Data("logits"), weights.Max(e => Shape.Numel(e.Shape) / e.Shape[0]), weights.Count,
            $"create {create:f2} s, fill {fill - create:f2} s, load {build - fill:f2} s");
    }

    // A mask of `count` windows as the script writes it: hex, 8 windows a byte, the first window in the top bit.
    private static bool[] Bits(string hex, int count)
    {
        var bytes = Convert.FromHexString(hex);
        bytes.Length.Should().Be((count + 7) / 8);
        return Enumerable.Range(0, count).Select(i => (bytes[i >> 3] >> (7 - (i & 7)) & 1) == 1).ToArray();
    }

    // Asserts that the logits `got` match `expected` (both (batch, classes) or (batch, classes, H, W), flat) within tol relative to max|logit|, and
    // each logit within tol * (rms + |logit_i|) (max and rms over the whole fixture); rows: the samples to compare (null:
    // all). Returns a line for the test output.
    private static string CompareLogits(string what, double[] expected, double[] got, int batch, ISet<int>? rows, double tol)
    {
        double scale = expected.Max(Math.Abs);
        double rms = Math.Sqrt(expected.Average(v => v * v));
        got.Length.Should().Be(expected.Length, what);
        int perSample = expected.Length / batch;
        double maxErr = 0, maxElemRatio = 0;
        int compared = 0;
        var outliers = new List<string>();
        for (int i = 0; i < got.Length; i++)
        {
            if (rows is not null && !rows.Contains(i / perSample))
                continue;
            compared++;
            double e = Math.Abs(got[i] - expected[i]);
            if (double.IsNaN(e)) e = double.PositiveInfinity;
            maxErr = Math.Max(maxErr, e);
            double ratio = e / (rms + Math.Abs(expected[i]));
            maxElemRatio = Math.Max(maxElemRatio, ratio);
            if (ratio > tol) outliers.Add($"[{i}] expected {expected[i]:g10}, got {got[i]:g10}");
        }
        (maxErr / scale).Should().BeLessThanOrEqualTo(tol, $"{what}: max|error| relative to max|logit| {scale:g6}");
        outliers.Should().BeEmpty($"{what}: each logit should be within {tol:e2} * (rms {rms:g4} + |logit|), {outliers.Count} of {compared} are not");
        return $"{what}: max|err| / max|logit| = {maxErr / scale:e2}, max |err_i| / (rms + |logit_i|) = {maxElemRatio:e2}, "
               + $"bound {tol:e2}; max|logit| {scale:g4}, rms {rms:g4}{(rows is null ? "" : $"; samples compared: {string.Join(", ", rows)}")}";
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
    // The variants (same bound; L counts each octave path conv): float32 2.2e-7 to 1.2e-6 and float64 5.4e-16 to 3.4e-15
    // relative to max|logit|, with every CAC mask equal to the reference's. Bugs planted in Cac: the smooth path sampling
    // the top-left pixel, w_phi missing one tap, the score ignoring gamma: every cac- and cac-oct- model fails (a mask
    // differs from the second or first CAC layer on); no box smoothing of the score for k > 3: the models with a 7x7
    // content-aware stem fail (the 3x3-stem ones cannot see it); octave pooling by max or by 2x subsampling, l2h pooled
    // and upsampled at stride 2: every oct- and cac-oct- model fails (logits off by 2 to 8 times max|logit|, or masks);
    // the low parts' BN eps 1e-4: logits move by 2.2e-4 to 9.7e-4 of max|logit|, 5-24x the float32 bound. Score >= 0
    // instead of > 0 passes: no window's score is 0 here (ContentAwareConv2dTests' flat region pins the strict >).
    private static double Tolerance(double u, long k, int depth) => u * Math.Sqrt(k * (double)depth);

    private static uint[] UInts(FixtureFile fx, string name) => fx.Json(name).EnumerateArray().Select(e => e.GetUInt32()).ToArray();

    private static int[] Ints(FixtureFile fx, string name) => fx.Json(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();
}

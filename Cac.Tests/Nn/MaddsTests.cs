using Cac.Madds;
using Cac.Models;
using Cac.Nn;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Nn;

/// <summary>MAdds accounting: the recording scope, the counter, and the paper's numbers for the CIFAR ResNets.</summary>
public class MaddsTests
{
    // The paper's counts (docs/design.md section 2): conv + linear, option-B 1x1 projections, BN not counted.
    [Theory]
    [InlineData("resnet20", 40_813_184L)]
    [InlineData("resnet32", 69_124_736L)]
    [InlineData("resnet56", 125_747_840L)]
    public void Standard_cifar_resnets_match_the_expected_counts(string name, long expected)
    {
        var report = MaddsCounter.Count(ModelRegistry.Create(name, 3, 10, new Generator(0)), 1, 3, 32, 32);
        report.TotalMadds.Should().Be(expected);
        report.Layers.Sum(l => l.Madds).Should().Be(expected);
        report.Layers.Should().OnlyContain(l => l.Type == "Conv2d" || l.Type == "Linear");
    }

    [Fact]
    public void Resnet20_layers_are_named_and_costed_per_layer()
    {
        var layers = MaddsCounter.Count(ModelRegistry.Create("resnet20", 3, 10, new Generator(0)), 1, 3, 32, 32).Layers;
        layers.Should().HaveCount(19 + 2 + 1);                                  // 19 3x3 convs, 2 projections, fc
        layers[0].Should().Be(new LayerMadds("conv1", "Conv2d", 3L * 16 * 9 * 32 * 32));
        layers.Single(l => l.Name == "layer1.0.conv1").Madds.Should().Be(16L * 16 * 9 * 32 * 32);
        layers.Single(l => l.Name == "layer2.0.conv1").Madds.Should().Be(16L * 32 * 9 * 16 * 16);
        layers.Single(l => l.Name == "layer2.0.shortcut.0").Madds.Should().Be(16L * 32 * 16 * 16);
        layers.Single(l => l.Name == "layer3.2.conv2").Madds.Should().Be(64L * 64 * 9 * 8 * 8);
        layers[^1].Should().Be(new LayerMadds("fc", "Linear", 64 * 10));
    }

    // Per-sample cost of an octave conv from the definition: h2h at H/s, h2l and l2l at H/2s, l2h at the low input's H/2.
    private static long Octave(int cin, int cout, int k, double alphaIn, double alphaOut, int h, int stride)
    {
        int inL = (int)Math.Floor(alphaIn * cin), inH = cin - inL, outL = (int)Math.Floor(alphaOut * cout), outH = cout - outL;
        long Conv(int i, int o, int size) => (long)i * o * k * k * size * size;
        long total = Conv(inH, outH, h / stride);
        if (outL > 0) total += Conv(inH, outL, h / (2 * stride));
        if (inL > 0) total += Conv(inL, outH, h / 2);
        if (inL > 0 && outL > 0) total += Conv(inL, outL, h / (2 * stride));
        return total;
    }

    [Fact]
    public void Octave_conv_costs_the_sum_of_its_paths_at_their_resolutions()
    {
        Count(new OctaveConv2d(16, 16, 3, 0.5, 0.5, 1, 1), 16, 32).Should().Be(Octave(16, 16, 3, 0.5, 0.5, 32, 1)).And.Be(1_032_192);
        Count(new OctaveConv2d(16, 32, 3, 0.5, 0.5, 2, 1), 16, 32).Should().Be(Octave(16, 32, 3, 0.5, 0.5, 32, 2));
        Count(new OctaveConv2d(16, 16, 3, 0.0, 0.5, 1, 1), 16, 32).Should().Be(Octave(16, 16, 3, 0.0, 0.5, 32, 1));
        Count(new OctaveConv2d(16, 10, 3, 0.5, 0.0, 2, 1), 16, 32).Should().Be(Octave(16, 10, 3, 0.5, 0.0, 32, 2));

        static long Count(OctaveConv2d conv, int channels, int size)
        {
            int low = conv.InLow;
            using var scope = MaddsScope.Begin();
            conv.Forward(new OctaveTensor(RandF(1, 1, channels - low, size, size), low > 0 ? RandF(2, 1, low, size / 2, size / 2) : null));
            scope.Entries.Should().ContainSingle().Which.Layer.Should().BeSameAs(conv);   // the paths are credited to the layer
            return (long)scope.Entries[0].Madds;
        }
    }

    [Fact]
    public void Oct_resnet20_counts_every_octave_conv_projection_stem_and_classifier()
    {
        long expected = 3L * 16 * 9 * 32 * 32 + 64 * 10;
        (int In, int Out, int Stride, int Size)[] stages = [(16, 16, 1, 32), (16, 32, 2, 32), (32, 64, 2, 16)];
        for (int s = 0; s < 3; s++)
        {
            for (int i = 0; i < 3; i++)
            {
                int cin = i == 0 ? stages[s].In : stages[s].Out, cout = stages[s].Out, stride = i == 0 ? stages[s].Stride : 1;
                int size = i == 0 ? stages[s].Size : stages[s].Size / stages[s].Stride;
                double alphaIn = s == 0 && i == 0 ? 0 : 0.5, alphaOut = s == 2 && i == 2 ? 0 : 0.5;
                expected += Octave(cin, cout, 3, alphaIn, 0.5, size, stride) + Octave(cout, cout, 3, 0.5, alphaOut, size / stride, 1);
                if (stride != 1 || cin != cout || alphaIn != alphaOut) expected += Octave(cin, cout, 1, alphaIn, alphaOut, size, stride);
            }
        }
        var report = MaddsCounter.Count(ModelRegistry.Create("oct-resnet20", 3, 10, new Generator(0)), 1, 3, 32, 32);
        report.TotalMadds.Should().Be(expected);
        report.Layers.Count(l => l.Type == "OctaveConv2d").Should().Be(18 + 4);   // 18 3x3 octave convs, 4 projections
        report.Layers.Should().Contain(new LayerMadds("layer1.0.shortcut.0", "OctaveConv2d", Octave(16, 16, 1, 0, 0.5, 32, 1)));
        report.TotalMadds.Should().BeLessThan(MaddsCounter.Count(ModelRegistry.Create("resnet20", 3, 10), 1, 3, 32, 32).TotalMadds / 2);
    }

    [Fact]
    public void Counts_are_per_sample_and_leave_the_model_untouched()
    {
        var net = ModelRegistry.Create("resnet20", 3, 10, new Generator(0));
        var bn = (BatchNorm2d)net.NamedModules().Single(m => m.Name == "layer1.0.bn1").Module;
        var fc = net.NamedModules().Single(m => m.Name == "fc").Module;
        fc.Eval();
        var before = bn.RunningMean.ToFloatArray();

        MaddsCounter.Count(net, 3, 3, 32, 32).TotalMadds.Should().Be(MaddsCounter.Count(net, 1, 3, 32, 32).TotalMadds);

        net.Training.Should().BeTrue();
        bn.Training.Should().BeTrue();
        fc.Training.Should().BeFalse();
        bn.RunningMean.ToFloatArray().Should().Equal(before);
        bn.NumBatchesTracked.Item().Should().Be(0);
        MaddsScope.IsRecording.Should().BeFalse();
    }

    [Fact]
    public void A_layer_called_twice_is_counted_twice_and_reports_outside_a_scope_are_ignored()
    {
        var conv = new Conv2d(2, 2, 3, padding: 1);
        var net = new Sequential(conv, new ReLU(), conv);    // shared: one name, two calls
        conv.Forward(RandF(1, 1, 2, 5, 5));                  // no scope open: nothing recorded, nothing thrown
        var report = MaddsCounter.Count(net, 1, 2, 5, 5);
        report.Layers.Should().Equal(new LayerMadds("0", "Conv2d", 2 * 2L * 2 * 9 * 25));
    }

    // A layer costed like a content-aware conv: a measured sharp ratio applied to Omega_conv.
    private sealed class FakeContentAware(double rho) : Module, IMaddsCounted
    {
        private readonly Conv2d _conv = new(2, 3, 3, padding: 1);

        protected override Tensor ForwardCore(Tensor x) => Ops.Conv2d(x, _conv.Weight, null, 1, 1);

        public double Madds(Tensor input, Tensor output)
        {
            long omega = MaddsFormulas.Conv2d(2, 3, 3, output.Dims[2], output.Dims[3]);
            return MaddsFormulas.ContentAware(omega, rho, 3, output.Dims[2], output.Dims[3]);
        }
    }

    [Fact]
    public void Adaptive_layers_plug_in_by_giving_their_own_cost()
    {
        var net = new Sequential();
        net.Add("cac", new FakeContentAware(0.25));
        var report = MaddsCounter.Count(net, 2, 2, 6, 6);
        long omega = 2L * 3 * 9 * 36;
        report.Layers.Should().Equal(new LayerMadds("cac", nameof(FakeContentAware), (long)Math.Round((0.25 + 0.75 / 9) * omega + 13 * 36)));
        MaddsFormulas.ContentAware(omega, 1, 3, 6, 6).Should().Be(omega + 13 * 36);
        MaddsFormulas.ContentAware(omega, 0, 3, 6, 6).Should().Be(omega / 9.0 + 13 * 36);
        ((Action)(() => MaddsFormulas.ContentAware(omega, 1.5, 3, 6, 6))).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Formulas_follow_the_paper_and_validate()
    {
        MaddsFormulas.Conv2d(16, 32, 3, 16, 16).Should().Be(16L * 32 * 9 * 256);
        MaddsFormulas.Conv2d(8, 8, 3, 4, 4, groups: 8).Should().Be(8L * 9 * 16);
        MaddsFormulas.Linear(64, 10).Should().Be(640);
        ((Action)(() => MaddsFormulas.Conv2d(0, 1, 3, 1, 1))).Should().Throw<ArgumentException>();
        ((Action)(() => MaddsCounter.Count(new ReLU(), 1, 0, 2))).Should().Throw<ArgumentException>().WithMessage("*positive*");
    }
}

using Cac.Nn;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Nn;

public class ModuleTests
{
    // A block shaped like a ResNet basic block's members: conv1, bn1, an optional shortcut Sequential.
    private sealed class Block : Module
    {
        public Block(bool shortcut, Generator rng)
        {
            Conv1 = RegisterModule("conv1", new Conv2d(2, 3, 3, padding: 1, bias: false, generator: rng));
            Bn1 = RegisterModule("bn1", new BatchNorm2d(3));
            if (shortcut) RegisterModule("shortcut", new Sequential(new Conv2d(2, 3, 1, bias: false, generator: rng), new BatchNorm2d(3)));
        }

        public Conv2d Conv1 { get; }

        public BatchNorm2d Bn1 { get; }

        protected override Tensor ForwardCore(Tensor x) => Bn1.Forward(Conv1.Forward(x));
    }

    // Own parameter and buffer before children: checks the per-module ordering (params, buffers, children).
    private sealed class WithOwnState : Module
    {
        public WithOwnState(Generator rng)
        {
            RegisterParameter("scale", Tensor.Ones([1]));
            RegisterBuffer("count", Tensor.Zeros([2]));
            RegisterBuffer("scratch", Tensor.Zeros([2]), persistent: false);
            RegisterModule("body", new Sequential(new Linear(4, 2, generator: rng)));
        }

        protected override Tensor ForwardCore(Tensor x) => x;
    }

    private static Sequential Net(int seed = 0)
    {
        var rng = new Generator(seed);
        var layer1 = new Sequential(new Block(shortcut: true, rng), new Block(shortcut: false, rng));
        var net = new Sequential();
        net.Add("conv1", new Conv2d(1, 2, 3, generator: rng));
        net.Add("layer1", layer1);
        net.Add(new ReLU());
        net.Add("fc", new Linear(4, 2, generator: rng));
        return net;
    }

    [Fact]
    public void Parameter_names_follow_registration_order_with_dotted_paths()
    {
        var names = Net().NamedParameters().Select(p => p.Name).ToList();
        names.Should().Equal(
            "conv1.weight", "conv1.bias",
            "layer1.0.conv1.weight", "layer1.0.bn1.weight", "layer1.0.bn1.bias",
            "layer1.0.shortcut.0.weight", "layer1.0.shortcut.1.weight", "layer1.0.shortcut.1.bias",
            "layer1.1.conv1.weight", "layer1.1.bn1.weight", "layer1.1.bn1.bias",
            "fc.weight", "fc.bias");
    }

    [Fact]
    public void Buffers_modules_and_children_are_named_like_pytorch()
    {
        var net = Net();
        net.NamedBuffers().Select(b => b.Name).Take(3).Should().Equal(
            "layer1.0.bn1.running_mean", "layer1.0.bn1.running_var", "layer1.0.bn1.num_batches_tracked");
        net.NamedModules().Select(m => m.Name).Should().Equal(
            "", "conv1", "layer1", "layer1.0", "layer1.0.conv1", "layer1.0.bn1", "layer1.0.shortcut",
            "layer1.0.shortcut.0", "layer1.0.shortcut.1", "layer1.1", "layer1.1.conv1", "layer1.1.bn1", "2", "fc");
        net.NamedChildren().Select(c => c.Name).Should().Equal("conv1", "layer1", "2", "fc");
        net.Parameters().Should().OnlyContain(p => p.RequiresGrad);
    }

    [Fact]
    public void Each_enumeration_of_the_named_modules_walks_the_whole_tree()
    {
        var modules = Net().NamedModules();
        var first = modules.Select(m => m.Name).ToList();
        first.Should().HaveCount(14);
        modules.Select(m => m.Name).Should().Equal(first, "a second pass over the same enumerable starts afresh");
    }

    [Fact]
    public void State_dict_lists_own_params_then_buffers_then_children_and_skips_non_persistent_buffers()
    {
        var keys = new WithOwnState(new Generator(1)).StateDict().Keys.ToList();
        keys.Should().Equal("scale", "count", "body.0.weight", "body.0.bias");

        var netKeys = Net().StateDict().Keys.ToList();
        netKeys.Skip(2).Take(6).Should().Equal("layer1.0.conv1.weight", "layer1.0.bn1.weight", "layer1.0.bn1.bias",
            "layer1.0.bn1.running_mean", "layer1.0.bn1.running_var", "layer1.0.bn1.num_batches_tracked");
        netKeys.Should().HaveCount(13 + 9);
    }

    [Fact]
    public void Parameter_count_sums_every_element()
    {
        // conv1 1*2*9+2, two block convs 2*3*9 each, three BNs 2*3 each, shortcut conv 2*3, fc 4*2+2.
        Net().ParameterCount().Should().Be(20 + 2 * 54 + 3 * 6 + 6 + 10);
    }

    [Fact]
    public void State_dict_round_trip_copies_every_value()
    {
        var source = Net(seed: 1);
        var target = Net(seed: 2);
        target.StateDict()["fc.weight"].ToFloatArray().Should().NotEqual(source.StateDict()["fc.weight"].ToFloatArray());
        // Make a buffer differ too.
        Init.Constant(source.StateDict()["layer1.1.bn1.running_var"], 3.5);
        Init.Constant(source.StateDict()["layer1.1.bn1.num_batches_tracked"], 7);

        target.LoadStateDict(source.StateDict());

        foreach (var (key, value) in source.StateDict())
        {
            var loaded = target.StateDict()[key];
            if (value.DType == DType.Int32) loaded.ToIntArray().Should().Equal(value.ToIntArray(), key);
            else loaded.ToFloatArray().Should().Equal(value.ToFloatArray(), key);
        }
        // Values are copied, not aliased.
        target.StateDict()["fc.bias"].Storage.Should().NotBeSameAs(source.StateDict()["fc.bias"].Storage);
    }

    [Fact]
    public void Loading_converts_float64_values_into_float32_parameters()
    {
        var target = new Linear(2, 1, generator: new Generator(0));
        var state = new Dictionary<string, Tensor>
        {
            ["weight"] = Tensor.FromArray([0.25, -0.5], [1, 2]),
            ["bias"] = Tensor.FromArray([2.0], [1]),
        };
        target.LoadStateDict(state);
        target.Weight.DType.Should().Be(DType.Float32);
        target.Weight.ToFloatArray().Should().Equal(0.25f, -0.5f);
        target.Bias!.ToFloatArray().Should().Equal(2f);
    }

    [Fact]
    public void Missing_and_unexpected_keys_are_named_and_nothing_is_copied()
    {
        var target = Net(seed: 2);
        var before = target.StateDict()["fc.weight"].ToFloatArray();
        var state = new Dictionary<string, Tensor>(Net(seed: 1).StateDict());
        state.Remove("layer1.0.bn1.running_mean");
        state["extra.weight"] = Tensor.Zeros([1]);

        var act = () => target.LoadStateDict(state);

        act.Should().Throw<ArgumentException>()
            .WithMessage("*Missing key(s)*\"layer1.0.bn1.running_mean\"*")
            .WithMessage("*Unexpected key(s)*\"extra.weight\"*");
        target.StateDict()["fc.weight"].ToFloatArray().Should().Equal(before);
    }

    [Fact]
    public void Non_strict_loading_ignores_missing_and_unexpected_keys()
    {
        var target = Net(seed: 2);
        var source = Net(seed: 1);
        var state = new Dictionary<string, Tensor>
        {
            ["fc.bias"] = source.StateDict()["fc.bias"],
            ["not.a.key"] = Tensor.Zeros([3]),
        };
        target.LoadStateDict(state, strict: false);
        target.StateDict()["fc.bias"].ToFloatArray().Should().Equal(source.StateDict()["fc.bias"].ToFloatArray());
        target.StateDict()["fc.weight"].ToFloatArray().Should().NotEqual(source.StateDict()["fc.weight"].ToFloatArray());
    }

    [Fact]
    public void Shape_mismatch_names_the_key_and_both_shapes_even_when_not_strict()
    {
        var target = Net();
        var state = new Dictionary<string, Tensor>(Net().StateDict()) { ["fc.weight"] = Tensor.Zeros([3, 4]) };
        var act = () => target.LoadStateDict(state, strict: false);
        act.Should().Throw<ArgumentException>().WithMessage("*fc.weight*(3, 4)*(2, 4)*");
    }

    [Fact]
    public void Train_and_eval_recurse_into_every_descendant()
    {
        var net = Net();
        net.NamedModules().Should().OnlyContain(m => m.Module.Training);
        net.Eval().Should().BeSameAs(net);
        net.NamedModules().Should().OnlyContain(m => !m.Module.Training);
        net.Train();
        net.NamedModules().Should().OnlyContain(m => m.Module.Training);
        net.Train(false);
        net.NamedModules().Should().OnlyContain(m => !m.Module.Training);
    }

    [Fact]
    public void Zero_grad_clears_every_parameter_gradient()
    {
        var net = new Sequential(new BatchNorm2d(2), new ReLU(), new BatchNorm2d(2));
        Ops.Sum(net.Forward(Tensor.RandN([2, 2, 2, 2], new Generator(0)))).Backward();
        net.Parameters().Should().OnlyContain(p => p.Grad != null);
        net.ZeroGrad();
        net.Parameters().Should().OnlyContain(p => p.Grad == null);
    }

    [Fact]
    public void Duplicate_and_dotted_member_names_are_rejected()
    {
        var seq = new Sequential(new ReLU());
        var dup = () => seq.Add("0", new ReLU());
        dup.Should().Throw<ArgumentException>().WithMessage("*'0'*already registered*");
        var dotted = () => seq.Add("a.b", new ReLU());
        dotted.Should().Throw<ArgumentException>().WithMessage("*'a.b'*");
    }

    [Fact]
    public void To_float64_converts_parameters_and_float_buffers_in_place_and_keeps_integer_buffers()
    {
        var block = new Block(shortcut: false, new Generator(3));
        var weight = block.Conv1.Weight;
        var before = weight.ToFloatArray();
        block.ToDouble();
        block.Conv1.Weight.Should().BeSameAs(weight);
        weight.DType.Should().Be(DType.Float64);
        weight.RequiresGrad.Should().BeTrue();
        weight.ToDoubleArray().Should().Equal(before.Select(v => (double)v));
        block.Bn1.RunningVar.DType.Should().Be(DType.Float64);
        block.Bn1.NumBatchesTracked.DType.Should().Be(DType.Int32);
        block.StateDict()["conv1.weight"].DType.Should().Be(DType.Float64);
    }

    [Fact]
    public void Batch_norm_counts_training_batches_only_and_resumes_the_count_after_loading()
    {
        var bn = new BatchNorm2d(2);
        var x = Tensor.RandN([3, 2, 2, 2], new Generator(1));
        bn.Forward(x);
        bn.Forward(x);
        bn.NumBatchesTracked.Item().Should().Be(2);
        bn.NumBatchesTracked.Rank.Should().Be(0);
        bn.Eval().Forward(x);
        bn.NumBatchesTracked.Item().Should().Be(2);

        var other = new BatchNorm2d(2);
        other.LoadStateDict(bn.StateDict());
        other.Forward(x);
        other.NumBatchesTracked.Item().Should().Be(3);
    }

    [Fact]
    public void Batch_norm_with_null_momentum_keeps_a_cumulative_average()
    {
        var bn = new BatchNorm2d(1, momentum: null);
        var a = Tensor.FromArray([1f, 3f], [2, 1, 1, 1]);
        var b = Tensor.FromArray([5f, 9f], [2, 1, 1, 1]);
        bn.Forward(a);
        bn.Forward(b);
        // Running mean = average of the two batch means (2 and 7).
        bn.RunningMean.Item().Should().BeApproximately(4.5, 1e-6);
    }

    [Fact]
    public void ToString_prints_a_tree_like_pytorch()
    {
        var net = new Sequential(
            new Conv2d(3, 16, 3, padding: 1, bias: false, generator: new Generator(0)),
            new BatchNorm2d(16),
            new ReLU(),
            new Sequential(new AdaptiveAvgPool2d(1), new Flatten()),
            new Linear(16, 10, generator: new Generator(0)));
        net.ToString().Should().Be(
            "Sequential(\n" +
            "  (0): Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)\n" +
            "  (1): BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n" +
            "  (2): ReLU()\n" +
            "  (3): Sequential(\n" +
            "    (0): AdaptiveAvgPool2d(output_size=(1, 1))\n" +
            "    (1): Flatten(start_dim=1, end_dim=-1)\n" +
            "  )\n" +
            "  (4): Linear(in_features=16, out_features=10, bias=True)\n" +
            ")");
        new Upsample(2).ToString().Should().Be("Upsample(scale_factor=2.0, mode='nearest')");
        new Dropout(0.25).ToString().Should().Be("Dropout(p=0.25, inplace=False)");
    }

    [Fact]
    public void Layers_validate_their_hyper_parameters()
    {
        var groups = () => new Conv2d(3, 4, 3, groups: 2);
        groups.Should().Throw<ArgumentException>().WithMessage("*divisible by groups 2*");
        var p = () => new Dropout(1.5);
        p.Should().Throw<ArgumentException>().WithMessage("*1.5*");
    }
}

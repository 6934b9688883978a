using Cac.Madds;
using Cac.Nn;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Nn;

/// <summary>
/// The module call entry (<see cref="Module.Forward(Tensor)"/>): forward hooks see every call, a MAdds scope counts the layers
/// that give their cost, and a fused inference plan runs only in evaluation mode without a graph or a hook.
/// </summary>
public class ForwardHooksTests
{
    // Records "enter Name" and "exit Name" for every module call.
    private sealed class Recorder(IReadOnlyDictionary<Module, string> names) : IForwardHook
    {
        public List<string> Calls { get; } = [];

        public void Enter(Module module) => Calls.Add("enter " + names[module]);

        public void Exit(Module module, object input, object? output) => Calls.Add("exit " + names[module]);
    }

    [Fact]
    public void A_hook_sees_every_nested_call_until_it_is_disposed()
    {
        var net = new Sequential(new Conv2d(1, 2, 3, padding: 1), new ReLU());
        var names = net.NamedModules().ToDictionary(m => m.Module, m => m.Name.Length == 0 ? "net" : m.Name);
        var recorder = new Recorder(names);
        using (ForwardHooks.Install(recorder))
        {
            ForwardHooks.AnyInstalled.Should().BeTrue();
            net.Forward(RandF(1, 1, 1, 4, 4));
        }
        recorder.Calls.Should().Equal("enter net", "enter 0", "exit 0", "enter 1", "exit 1", "exit net");
        ForwardHooks.AnyInstalled.Should().BeFalse();
        net.Forward(RandF(1, 1, 1, 4, 4));
        recorder.Calls.Should().HaveCount(6, "a disposed hook sees nothing");
    }

    // Costs a fixed 7 MAdds per call; Plain is the same module without the interface.
    private sealed class Counted : Module, IMaddsCounted
    {
        protected override Tensor ForwardCore(Tensor x) => x;

        public double Madds(Tensor input, Tensor output) => 7;
    }

    private sealed class Plain : Module
    {
        protected override Tensor ForwardCore(Tensor x) => x;
    }

    [Fact]
    public void A_scope_counts_a_custom_module_that_gives_its_cost_and_skips_one_that_does_not()
    {
        var counted = new Counted();
        var net = new Sequential(counted, new Plain(), counted);
        using var scope = MaddsScope.Begin();
        net.Forward(RandF(2, 1, 3));
        scope.Entries.Should().Equal((counted, 14.0));
    }

    // Fused "inference" that adds 1, so that the test sees which path ran; CanFuse follows the training flag.
    private sealed class WithPlan : Module, IFusedInference
    {
        public bool CanFuse => !Training;

        public Tensor FusedForward(Tensor x) => Ops.Affine(x, 1, 1);

        protected override Tensor ForwardCore(Tensor x) => x;
    }

    [Fact]
    public void The_fused_plan_runs_in_evaluation_mode_without_a_graph_or_a_hook()
    {
        var m = new WithPlan();
        var x = Tensor.Zeros([1]);
        double Run() => m.Forward(x).Item();
        using (Autograd.NoGrad()) Run().Should().Be(0, "training mode");
        m.Eval();
        Run().Should().Be(0, "autograd is recording");
        using (Autograd.NoGrad())
        {
            Run().Should().Be(1);
            using (MaddsScope.Begin()) Run().Should().Be(0, "a MAdds count sees the layers");
        }
    }
}

using Cac.Nn;
using Cac.Optim;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Core;

/// <summary>Deterministic lifetimes (Tensors/TensorScope.cs): what a scope releases, what it keeps, and its rules.</summary>
public class TensorScopeTests
{
    private static double[] Values(Tensor t) => t.DType == DType.Int32 ? t.ToIntArray().Select(v => (double)v).ToArray() : t.ToDoubleArray();

    private static bool IsReleased(Tensor t)
    {
        try
        {
            _ = Values(t);
            return false;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
    }

    [Fact]
    public void A_scope_releases_what_was_created_in_it_and_nothing_else()
    {
        var before = Tensor.Ones([3]);
        Tensor inside, product;
        using (var scope = TensorScope.Begin())
        {
            inside = Tensor.Ones([3]);
            product = Ops.Mul(before, inside);
            scope.Count.Should().Be(2);
            TensorScope.Current.Should().BeSameAs(scope);
        }
        TensorScope.Current.Should().BeNull();
        IsReleased(inside).Should().BeTrue();
        IsReleased(product).Should().BeTrue();
        IsReleased(before).Should().BeFalse();
        before.ToFloatArray().Should().Equal(1f, 1f, 1f);
    }

    [Fact]
    public void Detached_tensors_outlive_the_scope_and_moved_ones_live_as_long_as_the_outer_scope()
    {
        Tensor kept, moved, view;
        using (TensorScope.Begin())
        {
            using (TensorScope.Begin())
            {
                kept = Tensor.Full([2], 4.0).DetachFromScope();
                moved = Tensor.Full([2], 5.0);
                view = moved.Reshape(1, 2);
                moved.MoveToOuterScope();
            }
            IsReleased(moved).Should().BeFalse();
            view.ToFloatArray().Should().Equal(5f, 5f);
        }
        IsReleased(moved).Should().BeTrue("the outer scope ended");
        IsReleased(view).Should().BeTrue("a reshape shares the storage");
        kept.ToFloatArray().Should().Equal(4f, 4f);
    }

    [Fact]
    public void Scopes_end_innermost_first_on_their_own_thread()
    {
        var outer = TensorScope.Begin();
        var inner = TensorScope.Begin();
        var early = () => outer.Dispose();
        early.Should().Throw<InvalidOperationException>().WithMessage("*innermost first*");
        Exception? elsewhere = null;
        var thread = new Thread(() =>
        {
            try { inner.Dispose(); }
            catch (Exception e) { elsewhere = e; }
        });
        thread.Start();
        thread.Join();
        elsewhere.Should().BeOfType<InvalidOperationException>().Which.Message.Should().Contain("thread that began it");
        inner.Dispose();
        outer.Dispose();
        outer.Dispose(); // harmless
        TensorScope.Current.Should().BeNull();
    }

    [Fact]
    public void Another_threads_scope_does_not_take_this_threads_tensors()
    {
        Tensor mine;
        using var scope = TensorScope.Begin();
        var thread = new Thread(() => mine = Tensor.Ones([2]));
        mine = null!;
        thread.Start();
        thread.Join();
        scope.Count.Should().Be(0, "a storage joins the innermost scope of the thread that creates it");
    }

    private static (Sequential Net, Sgd Optimizer, Tensor Images, Tensor Labels) SmallTask()
    {
        var rng = new Generator(5);
        var net = new Sequential(new Conv2d(1, 3, 3, padding: 1, generator: rng), new BatchNorm2d(3), new ReLU(), new Flatten(), new Linear(3 * 4 * 4, 2, generator: rng));
        var optimizer = new Sgd(net.Parameters(), 0.1, momentum: 0.9, weightDecay: 1e-4, nesterov: true);
        return (net, optimizer, Tensor.RandN([4, 1, 4, 4], rng), Tensor.FromArray([0, 1, 1, 0], [4]));
    }

    [Fact]
    public void Gradients_and_optimizer_state_live_with_their_parameters_and_scoped_training_equals_unscoped_bit_for_bit()
    {
        var (net, optimizer, images, labels) = SmallTask();
        var (twin, twinOptimizer, _, _) = SmallTask();
        for (int step = 0; step < 4; step++)
        {
            double scoped = TestUtil.TrainStep(net, optimizer, images, labels, scoped: true);
            double plain = TestUtil.TrainStep(twin, twinOptimizer, images, labels, scoped: false);
            scoped.Should().Be(plain, $"step {step + 1}");
        }
        foreach (var p in net.Parameters()) IsReleased(p.Grad!).Should().BeFalse("a gradient lives as long as its parameter");
        foreach (var t in optimizer.State().Values) IsReleased(t).Should().BeFalse("optimizer state lives as long as its parameter");
        net.StateDict().Values.Zip(twin.StateDict().Values).Should().OnlyContain(p => Values(p.First).SequenceEqual(Values(p.Second)));
    }

    [Fact]
    public void ZeroGrad_releases_a_gradient_that_backward_created_but_not_one_that_was_assigned()
    {
        var w = Tensor.Ones([3], requiresGrad: true);
        Ops.Sum(Ops.Mul(w, w)).Backward();
        var created = w.Grad!;
        w.ZeroGrad();
        w.Grad.Should().BeNull();
        IsReleased(created).Should().BeTrue();

        var assigned = Tensor.Full([3], 2.0);
        w.Grad = assigned;
        w.ZeroGrad();
        IsReleased(assigned).Should().BeFalse("the caller owns a gradient it assigned");
    }

    [Fact]
    public void Moving_a_module_inside_a_scope_keeps_its_parameters()
    {
        var net = new Linear(3, 2, generator: new Generator(1));
        using (TensorScope.Begin()) net.To(DType.Float64);
        foreach (var p in net.Parameters()) IsReleased(p).Should().BeFalse();
        net.Weight.DType.Should().Be(DType.Float64);
    }
}

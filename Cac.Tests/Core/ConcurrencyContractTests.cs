using System.Collections.Concurrent;
using Cac.Nn;
using Cac.Optim;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Core;

/// <summary>
/// The thread-safety contract stated on <see cref="Tensor"/>, on the CPU backend: each concurrent use gives results bit for
/// bit equal to the same work done on one thread.
/// </summary>
public class ConcurrencyContractTests
{
    // A small net with every kind of layer the engine's state touches: a content-aware conv, batch norm, a linear head.
    private static Sequential Net(int seed)
    {
        var rng = new Generator(seed);
        return new Sequential(
            new ContentAwareConv2d(1, 4, 3, padding: 1, generator: rng), new BatchNorm2d(4), new ReLU(),
            new Conv2d(4, 4, 3, stride: 2, padding: 1, generator: rng), new ReLU(), new Flatten(), new Linear(4 * 4 * 4, 3, generator: rng));
    }

    private static (Tensor Images, Tensor Labels) Batch(int seed)
    {
        var generator = new Generator(seed);
        var labels = Enumerable.Range(0, 6).Select(i => (i + seed) % 3).ToArray();
        return (Tensor.RandN([6, 1, 8, 8], generator), Tensor.FromArray(labels, [6]));
    }

    // Trains a fresh net for some steps, each in its own scope; returns every parameter and buffer after the last step.
    private static float[][] Train(int seed, Func<int, (Tensor Images, Tensor Labels)> batches, int steps = 3)
    {
        var net = Net(seed);
        net.Train();
        var optimizer = new Sgd(net.Parameters(), 0.05, momentum: 0.9, weightDecay: 1e-4, nesterov: true);
        for (int step = 0; step < steps; step++)
        {
            var (images, labels) = batches(step);
            TestUtil.TrainStep(net, optimizer, images, labels);
        }
        return net.StateDict().Values.Select(t => t.DType == DType.Int32 ? t.ToIntArray().Select(v => (float)v).ToArray() : t.ToFloatArray()).ToArray();
    }

    private static void RunOnThreads(params Action[] work)
    {
        var failures = new ConcurrentQueue<Exception>();
        using var start = new Barrier(work.Length);
        var threads = work.Select(w => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                w();
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        failures.Should().BeEmpty();
    }

    private static void ShouldBeIdentical(float[][] actual, float[][] expected, string what)
    {
        actual.Should().HaveCount(expected.Length);
        for (int i = 0; i < expected.Length; i++)
            actual[i].AsSpan().SequenceEqual(expected[i]).Should().BeTrue($"{what}: state tensor {i} must equal the single-threaded run bit for bit");
    }

    [Fact]
    public void Two_models_training_on_two_threads_at_once_equal_their_single_threaded_runs()
    {
        var alone = new[] { Train(1, Batch), Train(2, s => Batch(s + 10)) };
        var together = new float[2][][];
        RunOnThreads(() => together[0] = Train(1, Batch), () => together[1] = Train(2, s => Batch(s + 10)));
        ShouldBeIdentical(together[0], alone[0], "model 1");
        ShouldBeIdentical(together[1], alone[1], "model 2");
    }

    [Fact]
    public void Batches_created_on_a_loader_thread_train_as_batches_created_on_the_training_thread()
    {
        const int steps = 4;
        var expected = Train(3, Batch, steps);
        using var queue = new BlockingCollection<(Tensor, Tensor)>(boundedCapacity: 2);
        float[][]? actual = null;
        RunOnThreads(
            () =>
            {
                for (int s = 0; s < steps; s++) queue.Add(Batch(s)); // tensors born on the loader thread
                queue.CompleteAdding();
            },
            () => actual = Train(3, _ => queue.Take(), steps));
        ShouldBeIdentical(actual!, expected, "loader thread");
    }

    [Fact]
    public void One_model_serves_inference_from_several_threads_at_once()
    {
        var net = Net(4);
        net.Train(); // three forwards give the batch norms running statistics to use in eval mode
        using (Autograd.NoGrad())
        using (TensorScope.Begin())
            for (int s = 0; s < 3; s++) net.Forward(Batch(s).Images);
        net.Eval();
        var inputs = Enumerable.Range(0, 4).Select(s => Batch(20 + s).Images).ToArray();
        float[] Infer(Tensor x)
        {
            using var noGrad = Autograd.NoGrad();
            using var scope = TensorScope.Begin();
            return net.Forward(x).ToFloatArray();
        }
        var expected = inputs.Select(Infer).ToArray();
        var cac = (ContentAwareConv2d)net.NamedModules().Select(m => m.Module).First(m => m is ContentAwareConv2d);
        cac.ResetSharpRatio();
        var actual = new float[inputs.Length][][];
        RunOnThreads(Enumerable.Range(0, inputs.Length).Select(t => (Action)(() =>
            actual[t] = Enumerable.Range(0, 5).Select(_ => Infer(inputs[t])).ToArray())).ToArray());
        for (int t = 0; t < inputs.Length; t++)
            foreach (var output in actual[t])
                output.AsSpan().SequenceEqual(expected[t]).Should().BeTrue($"thread {t}'s logits must equal the single-threaded inference");
        cac.PositionCount.Should().Be(inputs.Length * 5 * 6 * 8 * 8, "every window of every concurrent forward is counted");
    }
}

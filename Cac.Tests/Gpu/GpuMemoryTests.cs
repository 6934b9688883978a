using System.Runtime.CompilerServices;
using Cac.Gpu;
using Cac.Nn;
using Cac.Optim;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Gpu;

[Collection("Gpu")]
[Trait("Category", "GpuParity")]
public class GpuMemoryTests(GpuFixture fixture)
{
    private readonly Device _gpu = fixture.Gpu;
    private readonly GpuBackend _backend = fixture.Backend;

    [Fact]
    public void Upload_and_download_round_trip_float_and_int()
    {
        float[] f = [1.5f, -2f, 3.25f];
        int[] i = [7, -8, 9, 10];
        Tensor.FromArray(f, [3], _gpu).ToFloatArray().Should().Equal(f);
        Tensor.FromArray(i, [4], _gpu).ToIntArray().Should().Equal(i);
        Parity.Rand(1, 2, 3).To(_gpu).To(Device.Cpu).ToFloatArray().Should().Equal(Parity.Rand(1, 2, 3).ToFloatArray());
    }

    [Fact]
    public void A_float32_device_tensor_downloads_as_double()
    {
        // The device has no float64: the widening happens on the host after the copy.
        float[] f = [1.5f, -2f, 3.25f];
        Tensor.FromArray(f, [3], _gpu).ToDoubleArray().Should().Equal(1.5, -2.0, 3.25);
    }

    [Fact]
    public void The_pool_reuses_a_disposed_buffer_of_the_same_length_and_zero_fills_it()
    {
        var first = (GpuStorage<float>)_backend.Allocate(DType.Float32, 1237);
        var buffer = first.Buffer;
        _backend.Fill(first, 3.5);
        first.Dispose();
        _backend.PooledBytes.Should().BeGreaterThanOrEqualTo(1237 * sizeof(float));

        var second = (GpuStorage<float>)_backend.Allocate(DType.Float32, 1237);
        second.Buffer.Should().BeSameAs(buffer);
        var values = new float[1237];
        _backend.Download<float>(second, values);
        values.Should().OnlyContain(v => v == 0f);

        var other = (GpuStorage<float>)_backend.Allocate(DType.Float32, 1238);
        other.Buffer.Should().NotBeSameAs(buffer);
        second.Dispose();
        other.Dispose();
        second.Dispose(); // double disposal is harmless
    }

    [Fact]
    public void TrimPool_frees_waiting_buffers()
    {
        _backend.Allocate(DType.Int32, 999).Dispose();
        _backend.PooledBytes.Should().BeGreaterThan(0);
        _backend.TrimPool();
        _backend.PooledBytes.Should().Be(0);
    }

    [Fact]
    public void Float64_is_refused_with_a_clear_message()
    {
        var act = () => _backend.Allocate(DType.Float64, 4);
        act.Should().Throw<NotSupportedException>().WithMessage("*computes in float32*float64 run on the CPU backend*");
    }

    [Fact]
    public void A_disposed_storage_cannot_be_used()
    {
        var s = _backend.Allocate(DType.Float32, 3);
        s.Dispose();
        var act = () => _backend.Fill(s, 1);
        act.Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void Storages_of_another_device_are_refused()
    {
        var cpu = Device.Cpu.Backend.Allocate(DType.Float32, 3);
        using var gpu = _backend.Allocate(DType.Float32, 3);
        var act = () => _backend.Axpy(1, cpu, gpu);
        act.Should().Throw<ArgumentException>().WithMessage("*belongs to device cpu*");
    }

    [Fact]
    public void Copy_CopyBlocks_and_Fill_match_the_cpu_backend()
    {
        foreach (var device in new[] { Device.Cpu, _gpu })
        {
            var b = device.Backend;
            var src = Tensor.FromArray(Enumerable.Range(0, 24).Select(v => (float)v).ToArray(), [24], device);
            var dst = Tensor.Full([30], -1, DType.Float32, device);
            b.Copy(src.Storage, 2, dst.Storage, 1, 3);
            b.CopyBlocks(src.Storage, 5, 6, dst.Storage, 10, 7, 3, 4);
            dst.ToFloatArray().Should().Equal(
                [-1, 2, 3, 4, -1, -1, -1, -1, -1, -1, 5, 6, 7, 8, -1, -1, -1, 11, 12, 13, 14, -1, -1, -1, 17, 18, 19, 20, -1, -1],
                device.Name);
            var ints = Tensor.FromArray(Enumerable.Range(0, 12).ToArray(), [12], device);
            var intDst = Tensor.Zeros([8], DType.Int32, device);
            b.CopyBlocks(ints.Storage, 1, 4, intDst.Storage, 0, 2, 4 - 1, 2);
            intDst.ToIntArray().Should().Equal([1, 2, 5, 6, 9, 10, 0, 0], device.Name);
            b.Fill(intDst.Storage, 6);
            intDst.ToIntArray().Should().OnlyContain(v => v == 6);
        }
    }

    [Fact]
    public void Opening_a_missing_kind_names_it_and_List_describes_the_simulator()
    {
        if (!GpuDevices.List().Any(d => d.Kind == DeviceKind.Cuda))
        {
            var act = () => GpuDevices.Open(DeviceKind.Cuda);
            act.Should().Throw<InvalidOperationException>().WithMessage("*Cuda*");
        }
        var simulator = GpuDevices.List().Single(d => d.Kind == DeviceKind.IlgpuCpu);
        simulator.MaxThreadsPerGroup.Should().BeInRange(2, 16, "the ilgpu-cpu device is small: every simulated thread is an OS thread");
        simulator.Multiprocessors.Should().BeGreaterThan(0);
        simulator.ToString().Should().Contain("ilgpucpu:0");
    }

    // Allocates a storage and drops it without disposing it; returns its size in bytes.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private long AllocateAndDrop(long length)
    {
        var s = _backend.Allocate(DType.Float32, length);
        return ((GpuStorage<float>)s).Buffer.LengthInBytes;
    }

    [Fact]
    public void CollectGarbage_returns_the_buffers_of_unreachable_storages_to_the_pool()
    {
        _backend.CollectGarbage();
        var before = _backend.MemoryStatistics;
        long bytes = AllocateAndDrop(4099);
        _backend.MemoryStatistics.LiveBytes.Should().Be(before.LiveBytes + bytes, "nothing reclaims a buffer before a collection");
        _backend.CollectGarbage();
        var after = _backend.MemoryStatistics;
        after.LiveBytes.Should().Be(before.LiveBytes);
        after.PooledBytes.Should().Be(before.PooledBytes + bytes);

        using var again = _backend.Allocate(DType.Float32, 4099);
        _backend.MemoryStatistics.Allocations.Should().Be(after.Allocations, "the reclaimed buffer is reused");
        _backend.MemoryStatistics.Reuses.Should().Be(after.Reuses + 1);
    }

    [Fact]
    public void Scoped_training_steps_keep_a_flat_device_footprint_over_200_steps_without_a_collection()
    {
        var rng = new Generator(3);
        var net = new Sequential(
            new Conv2d(1, 4, 3, padding: 1, generator: rng), new BatchNorm2d(4), new ReLU(),
            new Conv2d(4, 4, 3, stride: 2, padding: 1, generator: rng), new ReLU(), new Flatten(), new Linear(4 * 3 * 3, 3, generator: rng));
        net.To(_gpu);
        net.Train();
        var optimizer = new Sgd(net.Parameters(), 0.05, momentum: 0.9, weightDecay: 1e-4, nesterov: true);
        var images = Tensor.RandN([4, 1, 6, 6], new Generator(4)).To(_gpu);
        var labels = Tensor.FromArray([0, 2, 1, 2], [4], _gpu);

        var losses = new List<double>();
        GpuMemoryStatistics second = default;
        long mostAllocated = 0;
        for (int step = 0; step < 200; step++)
        {
            losses.Add(TestUtil.TrainStep(net, optimizer, images, labels));
            var now = _backend.MemoryStatistics;
            if (step == 1) second = now;
            if (step >= 2)
            {
                now.Allocations.Should().Be(second.Allocations, $"step {step + 1} runs on buffers the scopes gave back, not new ones");
                mostAllocated = Math.Max(mostAllocated, now.AllocatedBytes);
            }
        }
        losses.Should().OnlyContain(l => double.IsFinite(l));
        losses[^1].Should().BeLessThan(losses[0], "the steps train the net");
        mostAllocated.Should().Be(second.AllocatedBytes, "the device footprint stays what it was after step 2");
        _backend.MemoryStatistics.Reuses.Should().BeGreaterThan(second.Reuses + 198 * 10, "each step reuses the last step's buffers");
    }

    // Takes a view of a fresh storage filled with 7 as an op does, and drops every managed reference to the storage itself.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ILGPU.ArrayView<float> ViewOfDroppedStorage(int length)
    {
        var storage = _backend.Allocate(DType.Float32, length);
        _backend.Fill(storage, 7);
        return _backend.Floats(storage);
    }

    private static void CollectFully()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    // What the op would read through its view now.
    private static float[] Read(ILGPU.ArrayView<float> view)
    {
        var values = new float[view.Length];
        HostCopy.Download(view, values);
        return values;
    }

    [Fact]
    public void The_safety_net_never_hands_out_the_buffer_of_a_storage_an_op_is_still_using()
    {
        const int length = 4111;
        var view = ViewOfDroppedStorage(length);
        CollectFully(); // the storage is unreachable from user code now; only the op's view refers to its buffer

        // Another thread ends its own op meanwhile: that must not end this thread's.
        var other = new Thread(_backend.Synchronize);
        other.Start();
        other.Join();
        CollectFully();

        using (var output = _backend.Allocate(DType.Float32, length)) // the op's output, rented after a collection
        {
            _backend.Fill(output, 3);
            Read(view).Should().OnlyContain(v => v == 7f, "the op's input must not be handed out as its output");
        }

        _backend.Synchronize(); // the op has ended
        CollectFully();
        var taken = Enumerable.Range(0, 4).Select(_ => _backend.Allocate(DType.Float32, length)).ToList();
        foreach (var s in taken) _backend.Fill(s, 5);
        Read(view).Should().OnlyContain(v => v == 5f, "once the op has ended, the safety net takes the undisposed buffer back");
        foreach (var s in taken) s.Dispose();
    }
}

using FluentAssertions;
using Xunit;

namespace Cac.Tests.Core;

/// <summary>
/// The CPU backend's buffer pool (Cpu/CpuBufferPool.cs): only disposed arrays are reused. Each test uses a pool of its
/// own, so tests running in parallel neither feed nor drain it.
/// </summary>
public class CpuBufferPoolTests
{
    private const int Length = 5000; // pooled: at least CpuBufferPool.MinPooledLength

    [Fact]
    public void A_returned_array_is_reused_by_the_next_rent_of_that_length_and_type_only()
    {
        var pool = new CpuBufferPool(capacityBytes: 1 << 20);
        var first = pool.Rent<float>(Length, clear: false);
        Array.Fill(first, 7f);
        pool.Return(first);
        pool.FreeBytes.Should().Be(Length * sizeof(float));

        pool.Rent<float>(Length + 1, clear: false).Should().NotBeSameAs(first, "another length");
        ((object)pool.Rent<double>(Length, clear: false)).Should().NotBeSameAs(first, "another element type");
        var again = pool.Rent<float>(Length, clear: false);
        again.Should().BeSameAs(first);
        again.Should().OnlyContain(v => v == 7f, "an uncleared rent keeps the stale contents");
        pool.FreeBytes.Should().Be(0);

        pool.Return(again);
        pool.Rent<float>(Length, clear: true).Should().BeSameAs(first).And.OnlyContain(v => v == 0f, "a cleared rent is zero-filled");
    }

    [Fact]
    public void The_pool_holds_no_lent_array_so_an_undisposed_storage_is_freed_by_the_collector()
    {
        var pool = new CpuBufferPool(capacityBytes: 1 << 20);
        var weak = RentAndDrop(pool);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        weak.TryGetTarget(out _).Should().BeFalse("the array was never given back, and the pool keeps no reference to it");
        pool.FreeBytes.Should().Be(0);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference<float[]> RentAndDrop(CpuBufferPool pool) => new(pool.Rent<float>(Length, clear: false));

    [Fact]
    public void Arrays_beyond_the_capacity_and_short_arrays_are_left_to_the_collector()
    {
        var pool = new CpuBufferPool(capacityBytes: 2L * Length * sizeof(float));
        for (int i = 0; i < 3; i++) pool.Return(new float[Length]);
        pool.FreeBytes.Should().Be(2L * Length * sizeof(float), "the third array did not fit");
        pool.Return(new float[CpuBufferPool.MinPooledLength - 1]);
        pool.FreeBytes.Should().Be(2L * Length * sizeof(float), "short arrays are not pooled");
        pool.Trim();
        pool.FreeBytes.Should().Be(0);
    }

    [Fact]
    public void A_disposed_cpu_storage_gives_its_array_back_once_and_is_unusable()
    {
        var backend = (CpuBackend)Device.Cpu.Backend;
        var storage = backend.Allocate(DType.Float32, Length);
        storage.Dispose();
        storage.Dispose(); // harmless
        var act = () => CpuBackend.Data<float>(storage);
        act.Should().Throw<ObjectDisposedException>().WithMessage("*float32 CPU storage of 5000 elements was disposed*");
    }
}

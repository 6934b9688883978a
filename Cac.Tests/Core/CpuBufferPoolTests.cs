using System.Runtime.CompilerServices;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Core;

/// <summary>
/// The CPU backend's buffer pool (Cpu/CpuBufferPool.cs). Each test runs on a thread of its own: pools are per thread,
/// so other tests running in parallel neither feed nor drain the pool under test.
/// </summary>
public class CpuBufferPoolTests
{
    private const int Length = 5000; // pooled: at least CpuBufferPool.MinPooledLength
    private static readonly CpuBackend Backend = (CpuBackend)Device.Cpu.Backend;

    private static void OnOwnThread(Action test)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { test(); }
            catch (Exception e) { failure = e; }
        });
        thread.Start();
        thread.Join();
        if (failure is not null) throw new Xunit.Sdk.XunitException($"failed on its thread: {failure}");
    }

    private static float[] ArrayOf(Storage s) => CpuBackend.Data<float>(s);

    // Allocates a storage and returns only its array: the storage is unreachable when this returns.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float[] AllocateAndDrop(int length, float fill)
    {
        var storage = Backend.AllocateUninitialized(DType.Float32, length);
        Array.Fill(ArrayOf(storage), fill);
        return ArrayOf(storage);
    }

    [Fact]
    public void After_a_collection_the_array_of_an_unreachable_storage_is_reused_and_zeroed_when_asked() => OnOwnThread(() =>
    {
        Backend.CollectGarbage(); // pooling starts with the first collection on a thread
        var first = AllocateAndDrop(Length, 7f);
        Backend.CollectGarbage();
        Backend.PooledBytes.Should().Be(Length * sizeof(float));

        var zeroed = Backend.Allocate(DType.Float32, Length);
        ArrayOf(zeroed).Should().BeSameAs(first, "the next storage of the same length reuses the array");
        ArrayOf(zeroed).Should().OnlyContain(v => v == 0f, "Allocate zero-fills a reused array");
        Backend.PooledBytes.Should().Be(0);
        GC.KeepAlive(zeroed);
    });

    [Fact]
    public void A_disposed_storage_gives_its_array_back_at_once_and_refuses_further_use() => OnOwnThread(() =>
    {
        Backend.CollectGarbage();
        var storage = Backend.Allocate(DType.Float32, Length);
        var array = ArrayOf(storage);
        storage.Dispose();
        Backend.PooledBytes.Should().Be(Length * sizeof(float));
        var act = () => ArrayOf(storage);
        act.Should().Throw<ObjectDisposedException>().WithMessage("*disposed*");
        ArrayOf(Backend.AllocateUninitialized(DType.Float32, Length)).Should().BeSameAs(array);
    });

    [Fact]
    public void Arrays_left_unused_from_one_collection_to_the_next_are_dropped() => OnOwnThread(() =>
    {
        Backend.CollectGarbage();
        AllocateAndDrop(Length, 1f);
        Backend.CollectGarbage();
        Backend.PooledBytes.Should().Be(Length * sizeof(float));
        Backend.CollectGarbage();
        Backend.PooledBytes.Should().Be(0, "nothing asked for that length during the last step");
    });

    [Fact]
    public void An_array_disposed_just_before_a_collection_is_kept_for_the_next_step() => OnOwnThread(() =>
    {
        Backend.CollectGarbage();
        var storage = Backend.AllocateUninitialized(DType.Float32, Length);
        var array = ArrayOf(storage);
        storage.Dispose(); // as `cac eval` disposes each batch and then collects
        Backend.CollectGarbage();
        ArrayOf(Backend.AllocateUninitialized(DType.Float32, Length)).Should().BeSameAs(array);
    });

    [Fact]
    public void Small_arrays_and_threads_that_never_collect_are_not_pooled() => OnOwnThread(() =>
    {
        var beforeAnyCollection = AllocateAndDrop(Length, 1f);
        Backend.CollectGarbage();
        Backend.PooledBytes.Should().Be(0, "the array was allocated before this thread's first collection");
        AllocateAndDrop(CpuBufferPool.MinPooledLength - 1, 1f);
        Backend.CollectGarbage();
        Backend.PooledBytes.Should().Be(0, "arrays below the pooled length are left to the garbage collector");
        ArrayOf(Backend.Allocate(DType.Float32, Length)).Should().NotBeSameAs(beforeAnyCollection);
    });

    [Fact]
    public void Another_threads_collection_does_not_hand_out_this_threads_arrays() => OnOwnThread(() =>
    {
        Backend.CollectGarbage();
        var mine = AllocateAndDrop(Length, 3f);
        OnOwnThread(Backend.CollectGarbage); // the storage is unreachable now, but not this thread's pool's to reuse yet
        Backend.PooledBytes.Should().Be(0);
        var other = Backend.AllocateUninitialized(DType.Float32, Length);
        ArrayOf(other).Should().NotBeSameAs(mine);
        Backend.CollectGarbage();
        ArrayOf(Backend.AllocateUninitialized(DType.Float32, Length)).Should().BeSameAs(mine, "this thread's own collection reclaims it");
        GC.KeepAlive(other);
    });

    [Fact]
    public void Lending_between_reclaims_is_bounded_by_one_and_a_half_times_what_the_last_interval_asked_for()
    {
        const int bytes = Length * sizeof(float);
        var pool = new CpuBufferPool(minBudgetBytes: 4 * bytes);
        pool.ReclaimUnreachable(); // enables it
        Storage[] Allocate(int count) => Enumerable.Range(0, count).Select(_ => (Storage)new CpuStorage<float>(Backend, pool, DType.Float32, Length, clear: false)).ToArray();

        foreach (var s in Allocate(6)) s.Dispose();
        pool.FreeBytes.Should().Be(4 * bytes, "only the first four fit the budget; the other two were plain allocations");

        pool.ReclaimUnreachable(); // the interval asked for 6 arrays: the next budget is 9
        foreach (var s in Allocate(10)) s.Dispose();
        pool.FreeBytes.Should().Be(9 * bytes, "nine of the ten were lent (four of them reused), the tenth was a plain allocation");
    }
}

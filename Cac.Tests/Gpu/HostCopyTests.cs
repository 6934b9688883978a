using Cac.Gpu;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Gpu;

/// <summary>
/// Host transfers must pin the host array for the whole copy: ILGPU turns the reference into a raw pointer and allocates
/// before copying, so an unpinned array that a garbage collection moves in between is read (or written) at its old
/// address. This test failed before <see cref="HostCopy"/> pinned (the array moved under the copy).
/// </summary>
[Collection("Gpu")]
[Trait("Category", "GpuParity")]
public class HostCopyTests(GpuFixture fixture)
{
    private readonly GpuBackend _backend = fixture.Backend;

    // A fresh gen-0 array behind some garbage, so that a compacting gen-0 collection moves it unless it is pinned.
    private static float[] YoungArray(int length)
    {
        for (int i = 0; i < 1000; i++) GC.KeepAlive(new byte[64]);
        var a = new float[length];
        for (int i = 0; i < length; i++) a[i] = i + 1;
        return a;
    }

    private static unsafe nint AddressOf(float[] a)
    {
        fixed (float* p = a) return (nint)p;
    }

    [Fact]
    public void A_collection_during_an_upload_or_download_does_not_move_the_host_array()
    {
        var source = YoungArray(3000);
        var seen = new List<(nint Handed, nint Now)>();
        float[]? current = source;
        HostCopy.BeforeCopy = handed =>
        {
            GC.Collect(0, GCCollectionMode.Forced, blocking: true, compacting: true);
            seen.Add((handed, AddressOf(current!)));
        };
        try
        {
            var storage = _backend.Upload<float>(source);
            current = YoungArray(3000);
            Array.Clear(current);
            _backend.Download<float>(storage, current);
            storage.Dispose();
        }
        finally
        {
            HostCopy.BeforeCopy = null;
        }
        seen.Should().HaveCount(2).And.OnlyContain(s => s.Handed == s.Now, "the address given to the device copy must stay the array's address");
        current.Should().Equal(source);
    }
}

using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace Cac.Gpu;

/// <summary>
/// Copies between host memory and device views with the host memory pinned for the whole copy.
/// <para>
/// ILGPU's <c>CopyFromCPU(ref T, long)</c> and <c>CopyToCPU(ref T, long)</c> turn the reference into a raw pointer
/// (<c>Unsafe.AsPointer</c>) and then allocate a wrapper object before copying. A reference into a managed array is not a
/// fixed address: a garbage collection in that window (caused by the wrapper's own allocation, or by any other thread)
/// can move the array, and the copy then reads, or writes, the memory the array used to occupy. That was the
/// intermittent wrong result of the GPU parity tests, and on a real GPU it silently corrupts uploads and downloads
/// (and, for downloads, the managed heap). Every host transfer of the backend goes through here.
/// </para>
/// </summary>
internal static class HostCopy
{
    /// <summary>Test seam (this thread only): runs inside the pinned region, just before the device copy, with the host address handed to ILGPU.</summary>
    [ThreadStatic] internal static Action<nint>? BeforeCopy;

    /// <summary>view[0, data.Length) = data (waits for the copy).</summary>
    public static unsafe void Upload<T>(ArrayView<T> view, ReadOnlySpan<T> data) where T : unmanaged
    {
        if (data.IsEmpty) return;
        fixed (T* host = data)
        {
            BeforeCopy?.Invoke((nint)host);
            view.CopyFromCPU(ref Unsafe.AsRef<T>(host), data.Length);
        }
    }

    /// <summary>data[0, view.Length) = view (waits for the copy).</summary>
    public static unsafe void Download<T>(ArrayView<T> view, Span<T> data) where T : unmanaged
    {
        if (view.Length == 0) return;
        fixed (T* host = data)
        {
            BeforeCopy?.Invoke((nint)host);
            view.CopyToCPU(ref Unsafe.AsRef<T>(host), view.Length);
        }
    }
}

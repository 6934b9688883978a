namespace Cac;

/// <summary>
/// Grow-only scratch buffers of the sparse CAC path (gathered columns, sample points, output columns), one set
/// per thread, backend and dtype, so that a forward or backward pass does not allocate (and zero) tens of
/// megabytes per call. A buffer may be longer than asked for; its contents are garbage until a kernel writes it.
/// Contents never outlive one op call: the backward pass gathers again.
/// </summary>
internal static class CacWorkspace
{
    /// <summary>The independent buffers one CAC call may use at the same time.</summary>
    public enum Slot { Columns, Points, OutputColumns }

    [ThreadStatic] private static Dictionary<(IBackend, DType, Slot), Storage>? _buffers;

    /// <summary>A buffer of at least <paramref name="length"/> elements (grown by half again when too small).</summary>
    public static Storage Get(IBackend backend, DType dtype, Slot slot, long length)
    {
        _buffers ??= [];
        var key = (backend, dtype, slot);
        _buffers.TryGetValue(key, out var current);
        if (current is not null && current.Length >= Math.Max(length, 1)) return current;
        long size = Math.Max(Math.Max(length, 1), current is null ? 0 : current.Length + current.Length / 2);
        current?.Dispose();
        var fresh = backend.Allocate(dtype, size);
        TensorScope.MoveTo(fresh, null); // the cache outlives the step that grew it
        _buffers[key] = fresh;
        return fresh;
    }
}

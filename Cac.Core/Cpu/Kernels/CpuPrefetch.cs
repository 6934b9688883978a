using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Cac.Cpu.Kernels;

/// <summary>
/// Software prefetch of a block (the next sample of a per-sample loop) spread over the work of the current one: each
/// <see cref="Step"/> asks for the next few cache lines, so the block is in L2 when the loop reaches it instead of being
/// streamed from memory by a pass with little arithmetic. A prefetch never faults; the addresses are taken without
/// pinning, so at worst (the array moved by the GC) a prefetch is wasted. No-op without SSE.
/// </summary>
internal struct CpuPrefetch
{
    private const int Line = 64;
    private nint _next;
    private nint _end;
    private readonly int _perStep;

    /// <summary>Prefetches elements [start, start + count) of <paramref name="a"/> in <paramref name="steps"/> calls of <see cref="Step"/> (more calls do nothing).</summary>
    public unsafe CpuPrefetch(float[] a, long start, long count, int steps)
    {
        if (count <= 0 || start < 0 || start + count > a.LongLength) return;
        _next = (nint)Unsafe.AsPointer(ref a[start]);
        _end = _next + (nint)(count * sizeof(float));
        long lines = (count * sizeof(float) + Line - 1) / Line;
        _perStep = (int)Math.Max(1, (lines + Math.Max(steps, 1) - 1) / Math.Max(steps, 1));
    }

    /// <summary>Prefetches the next share of the block into L2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void Step()
    {
        if (!Sse.IsSupported) return;
        for (int i = 0; i < _perStep && _next < _end; i++, _next += Line) Sse.Prefetch1((void*)_next);
    }
}

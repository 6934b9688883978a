using System.Numerics;
using Cac.Cpu.Kernels;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Core;

/// <summary>
/// The lane shuffles of the Winograd convolution (AVX on this machine) against their lane-by-lane versions, which are
/// also the fallback on machines without AVX: so both are checked whatever the test machine has.
/// </summary>
public class WinogradLaneTests
{
    [Fact]
    public void Float_shuffles_match_the_lane_by_lane_versions() => Check<float>();

    [Fact]
    public void Double_shuffles_match_the_lane_by_lane_versions() => Check<double>();

    private static void Check<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector<T>.Count;
        var values = Enumerable.Range(0, 4 * w + 1).Select(i => T.CreateChecked(i * 1.5 - 7)).ToArray();
        var v = Enumerable.Range(0, 4).Select(k => new Vector<T>(values, k * w)).ToArray();

        var shuffled = new T[4 * w];
        var lanes = new T[4 * w];
        ConvWinograd<T>.Interleave(v[0], v[1], v[2], v[3], ref shuffled[0]);
        ConvWinograd<T>.InterleaveLanes(v[0], v[1], v[2], v[3], ref lanes[0]);
        shuffled.Should().Equal(lanes);
        lanes[4 * 1 + 2].Should().Be(v[2][1], "element 4 i + b is lane i of vector b");

        ConvWinograd<T>.Deinterleave(v[0], v[1], v[2], v[3], out var a0, out var a1, out var a2, out var a3);
        ConvWinograd<T>.DeinterleaveLanes(v[0], v[1], v[2], v[3], out var b0, out var b1, out var b2, out var b3);
        new[] { a0, a1, a2, a3 }.Should().Equal(b0, b1, b2, b3);
        b1[2].Should().Be(values[4 * 2 + 1], "phase b lane i is element 4 i + b");

        var last = values[^1];
        ConvWinograd<T>.ShiftIn(v[3], last).Should().Be(ConvWinograd<T>.ShiftInLanes(v[3], last));
        ConvWinograd<T>.ShiftInLanes(v[3], last)[w - 1].Should().Be(last);
        ConvWinograd<T>.ShiftInLanes(v[3], last)[0].Should().Be(v[3][1]);
    }
}

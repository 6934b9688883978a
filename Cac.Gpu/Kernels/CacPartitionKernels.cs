using ILGPU;

namespace Cac.Gpu.Kernels;

// The stable sharp/smooth partition of CAC (IBackend.CacPartition) as a blocked device scan in three launches:
//   1. Count:   tile t (Group.DimX * per consecutive scores, each thread a strip of `per`) -> counts[t], the number
//               of sharp scores (> 0) in the tile. The host picks `per` so that there are about as many tiles as
//               resident groups: each group then scans one tile (few barriers, which the CPU simulator pays dearly).
//   2. Scan:    one group turns counts (tiles) into exclusive prefixes in place and writes the total to counts[tiles].
//   3. Scatter: each thread re-counts its strip, scans across its group, and walks the strip writing index i to
//               order[sharpBefore(i)] when sharp, else to order[total + i - sharpBefore(i)].
// Both halves come out ascending because the tiles, the strips and each strip's walk all go in index order.
// CPU twin: Cac.Core/Cpu/Kernels/CacPartitionKernels.cs (one sequential, branch-free pass).
internal static class CacPartitionKernels
{
    /// <summary>Fewest consecutive scores one thread handles in the count and scatter passes.</summary>
    public const int MinPerThread = 8;

    // 1. counts[t] = sharp scores in tile t. score: (n); grid-stride over tiles, one group per tile.
    public static void Count(ArrayView<float> score, ArrayView<int> counts, int n, int per, int tiles)
    {
        var scratch = SharedMemory.Allocate<int>(GpuBackend.MaxGroupSize);
        for (int tile = Grid.IdxX; tile < tiles; tile += Grid.DimX)
        {
            GroupScan.Exclusive(scratch, StripCount(score, Strip(tile, per), per, n), out int total);
            if (Group.IdxX == 0) counts[tile] = total;
        }
    }

    // 2. counts[0..tiles) = exclusive prefix sums of themselves, counts[tiles] = their total. One group; each thread
    // scans a contiguous range of tiles serially around one group-wide scan of the ranges' sums.
    public static void Scan(ArrayView<int> counts, int tiles)
    {
        var scratch = SharedMemory.Allocate<int>(GpuBackend.MaxGroupSize);
        int per = (tiles + Group.DimX - 1) / Group.DimX;
        int begin = Group.IdxX * per, end = begin + per < tiles ? begin + per : tiles;
        int sum = 0;
        for (int t = begin; t < end; t++) sum += counts[t];
        int running = GroupScan.Exclusive(scratch, sum, out int total);
        for (int t = begin; t < end; t++)
        {
            int c = counts[t];
            counts[t] = running;
            running += c;
        }
        if (Group.IdxX == 0) counts[tiles] = total;
    }

    // 3. order (n) from the scanned counts.
    public static void Scatter(ArrayView<float> score, ArrayView<int> counts, ArrayView<int> order, int n, int per, int tiles)
    {
        var scratch = SharedMemory.Allocate<int>(GpuBackend.MaxGroupSize);
        int sharpTotal = counts[tiles];
        for (int tile = Grid.IdxX; tile < tiles; tile += Grid.DimX)
        {
            int begin = Strip(tile, per);
            int before = counts[tile] + GroupScan.Exclusive(scratch, StripCount(score, begin, per, n), out _);
            int end = begin + per < n ? begin + per : n;
            for (int i = begin; i < end; i++)
            {
                if (score[i] > 0f) order[before++] = i;
                else order[sharpTotal + i - before] = i;
            }
        }
    }

    // First score of this thread's strip in a tile.
    private static int Strip(int tile, int per) => (tile * Group.DimX + Group.IdxX) * per;

    private static int StripCount(ArrayView<float> score, int begin, int per, int n)
    {
        int count = 0;
        for (int i = begin; i < begin + per && i < n; i++) count += score[i] > 0f ? 1 : 0;
        return count;
    }
}

// Prefix sum across one thread group through shared memory (Hillis-Steele). Every thread of the group must call it
// (it contains barriers); the group may have any size up to the scratch view's length.
internal static class GroupScan
{
    /// <summary>The sum of <paramref name="value"/> over the group's lower-indexed threads; <paramref name="total"/>: over all.</summary>
    public static int Exclusive(ArrayView<int> scratch, int value, out int total)
    {
        int t = Group.IdxX;
        scratch[t] = value;
        Group.Barrier();
        for (int s = 1; s < Group.DimX; s <<= 1)
        {
            int add = t >= s ? scratch[t - s] : 0;
            Group.Barrier();
            scratch[t] += add;
            Group.Barrier();
        }
        int inclusive = scratch[t];
        total = scratch[Group.DimX - 1];
        Group.Barrier();
        return inclusive - value;
    }
}

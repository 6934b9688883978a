using ILGPU;

namespace Cac.Gpu.Kernels;

/// <summary>
/// Shape and scalars of one GEMM call: C (M, N) = Alpha * op(A) (M, K) * op(B) (K, N) + Beta * C.
/// With Splits > 1 the K axis is cut into slices of KPerSplit (split-K): slice s writes its partial product
/// Alpha * op(A)[:, ks] * op(B)[ks, :] to C + s * M * N (a workspace; Beta must be 0), and
/// <see cref="GemmKernel.SumSplits"/> adds the slices up.
/// </summary>
internal struct GemmArgs
{
    public int M, N, K, TransA, TransB, Splits, KPerSplit;
    public float Alpha, Beta;
}

/// <summary>Eight rows by four columns of accumulators: one thread's register micro-tile is eight of these.</summary>
internal struct Row4
{
    public float C0, C1, C2, C3;

    public static Row4 Fma(Row4 acc, float a, float b0, float b1, float b2, float b3) => new()
    {
        C0 = acc.C0 + a * b0,
        C1 = acc.C1 + a * b1,
        C2 = acc.C2 + a * b2,
        C3 = acc.C3 + a * b3,
    };
}

// Tiled single-precision GEMM, row-major, with transposes. A group of 128 threads computes a 64 x 64
// tile of C; thread (tx, ty) in 16 x 8 owns the 8 x 4 micro-tile of rows ty + 8r and columns tx + 16c,
// held in registers. Each step stages a 64 x 16 slice of op(A) and a 16 x 64 slice of op(B) in shared
// memory (zero-padded at the edges), k-major so that the inner loop reads one A column and one B row.
// Groups walk the (K slice, tile) pairs in a grid-stride loop. A stored (M, K), or (K, M) when TransA; B (K, N) or (N, K).
// CPU twin: Cac.Core/Cpu/Kernels/Gemm.cs (blocking and packing) with its register micro-kernel
// Cac.Core/Cpu/Kernels/GemmKernel.cs.
internal static class GemmKernel
{
    public const int Tile = 64, TileK = 16, Threads = 128;

    // Split-K: aim for this many groups per multiprocessor, with at least MinSliceK of K per slice.
    private const int GroupsPerMultiprocessor = 4, MinSliceK = 128;

    /// <summary>
    /// How many K slices a GEMM of <paramref name="tiles"/> output tiles should use so that about
    /// GroupsPerMultiprocessor groups per multiprocessor have work: 1 when the tiles already fill the device or K is short.
    /// A (16, 144) weight gradient with K = 131072 (batch 128 of 32 x 32) has 3 tiles: without slices 3 groups do all the work.
    /// </summary>
    public static int SplitsFor(long tiles, int k, int multiprocessors)
    {
        long target = (long)GroupsPerMultiprocessor * Math.Max(1, multiprocessors);
        if (tiles >= target) return 1;
        long wanted = (target + tiles - 1) / tiles;
        return (int)Math.Max(1, Math.Min(wanted, k / MinSliceK));
    }

    /// <summary>K per slice for <paramref name="splits"/> slices: a multiple of TileK covering K.</summary>
    public static int SliceK(int k, int splits) => (int)(((long)k + splits - 1) / splits + TileK - 1) / TileK * TileK;

    public static void Run(GemmArgs p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c)
    {
        var As = SharedMemory.Allocate<float>(TileK * Tile); // As[kk * Tile + row]
        var Bs = SharedMemory.Allocate<float>(TileK * Tile); // Bs[kk * Tile + col]
        int tid = Group.IdxX, tx = tid % 16, ty = tid / 16;
        int tilesN = (p.N + Tile - 1) / Tile, tiles = (p.M + Tile - 1) / Tile * tilesN;
        for (int work = Grid.IdxX; work < tiles * p.Splits; work += Grid.DimX)
        {
            int slice = work / tiles, tile = work % tiles;
            int row0 = tile / tilesN * Tile, col0 = tile % tilesN * Tile;
            int kBegin = slice * p.KPerSplit, kEnd = kBegin + Math.Min(p.KPerSplit, p.K - kBegin);
            var cSlice = c.SubView((long)slice * p.M * p.N);
            Row4 r0 = default, r1 = default, r2 = default, r3 = default, r4 = default, r5 = default, r6 = default, r7 = default;
            for (int k0 = kBegin; k0 < kEnd; k0 += TileK)
            {
                for (int e = tid; e < Tile * TileK; e += Threads)
                {
                    // Consecutive threads read consecutive addresses of the stored layout.
                    int row = p.TransA != 0 ? e % Tile : e / TileK, kk = p.TransA != 0 ? e / Tile : e % TileK;
                    int gr = row0 + row, gk = k0 + kk;
                    As[kk * Tile + row] = gr < p.M && gk < kEnd ? (p.TransA != 0 ? a[gk * p.M + gr] : a[gr * p.K + gk]) : 0f;
                    int col = p.TransB != 0 ? e / TileK : e % Tile, kb = p.TransB != 0 ? e % TileK : e / Tile;
                    int gc = col0 + col, gkb = k0 + kb;
                    Bs[kb * Tile + col] = gc < p.N && gkb < kEnd ? (p.TransB != 0 ? b[gc * p.K + gkb] : b[gkb * p.N + gc]) : 0f;
                }
                Group.Barrier();
                for (int kk = 0; kk < TileK; kk++)
                {
                    int ab = kk * Tile + ty, bb = kk * Tile + tx;
                    float b0 = Bs[bb], b1 = Bs[bb + 16], b2 = Bs[bb + 32], b3 = Bs[bb + 48];
                    r0 = Row4.Fma(r0, As[ab], b0, b1, b2, b3);
                    r1 = Row4.Fma(r1, As[ab + 8], b0, b1, b2, b3);
                    r2 = Row4.Fma(r2, As[ab + 16], b0, b1, b2, b3);
                    r3 = Row4.Fma(r3, As[ab + 24], b0, b1, b2, b3);
                    r4 = Row4.Fma(r4, As[ab + 32], b0, b1, b2, b3);
                    r5 = Row4.Fma(r5, As[ab + 40], b0, b1, b2, b3);
                    r6 = Row4.Fma(r6, As[ab + 48], b0, b1, b2, b3);
                    r7 = Row4.Fma(r7, As[ab + 56], b0, b1, b2, b3);
                }
                Group.Barrier();
            }
            int gcol = col0 + tx;
            StoreRow(p, cSlice, row0 + ty, gcol, r0);
            StoreRow(p, cSlice, row0 + ty + 8, gcol, r1);
            StoreRow(p, cSlice, row0 + ty + 16, gcol, r2);
            StoreRow(p, cSlice, row0 + ty + 24, gcol, r3);
            StoreRow(p, cSlice, row0 + ty + 32, gcol, r4);
            StoreRow(p, cSlice, row0 + ty + 40, gcol, r5);
            StoreRow(p, cSlice, row0 + ty + 48, gcol, r6);
            StoreRow(p, cSlice, row0 + ty + 56, gcol, r7);
        }
    }

    /// <summary>
    /// Split-K epilogue, grid-stride over the M * N elements: C = sum over slices of partial (splits, M, N) + Beta * C
    /// (Beta == 0 never reads C).
    /// </summary>
    public static void SumSplits(Index1D index, ArrayView<float> partial, ArrayView<float> c, int elements, int splits, float beta, int stride)
    {
        for (int i = index; i < elements; i += stride)
        {
            float sum = 0f;
            for (int s = 0; s < splits; s++) sum += partial[(long)s * elements + i];
            c[i] = beta == 0f ? sum : sum + beta * c[i];
        }
    }

    // Writes columns col, col + 16, col + 32, col + 48 of one row of the micro-tile (those inside C).
    private static void StoreRow(GemmArgs p, ArrayView<float> c, int row, int col, Row4 acc)
    {
        if (row >= p.M) return;
        int rowBase = row * p.N;
        Store(p, c, rowBase, col, acc.C0);
        Store(p, c, rowBase, col + 16, acc.C1);
        Store(p, c, rowBase, col + 32, acc.C2);
        Store(p, c, rowBase, col + 48, acc.C3);
    }

    // Beta == 0 never reads C (it may hold garbage or NaN), as BLAS.
    private static void Store(GemmArgs p, ArrayView<float> c, int rowBase, int col, float acc)
    {
        if (col >= p.N) return;
        int i = rowBase + col;
        c[i] = p.Beta == 0f ? p.Alpha * acc : p.Alpha * acc + p.Beta * c[i];
    }
}

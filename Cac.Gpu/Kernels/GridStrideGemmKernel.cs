using ILGPU;

namespace Cac.Gpu.Kernels;

// Single-precision GEMM without shared memory or barriers, for ILGPU's CPU simulator (where a barrier is an OS-level
// rendezvous of every simulated thread): C (M, N) = Alpha * op(A) (M, K) * op(B) (K, N) + Beta * C, row-major.
// Each work item is a 4 x 4 block of C (rows i0..i0+3, columns j0..j0+3) accumulated in registers over k = 0..K-1;
// a grid-stride loop walks the ceil(M/4) * ceil(N/4) blocks. Rows and columns past the edges re-read the last
// row / column (in bounds, no branches in the k-loop) and are not stored.
// A stored (M, K), or (K, M) when TransA; B (K, N) or (N, K) when TransB.
// CPU twin: Cac.Core/Cpu/Kernels/Gemm.cs.
internal static class GridStrideGemmKernel
{
    public const int Block = 4;

    /// <summary>Work items of a GEMM: 4 x 4 blocks of C.</summary>
    public static long Items(int m, int n) => (long)((m + Block - 1) / Block) * ((n + Block - 1) / Block);

    public static void Run(Index1D index, GemmArgs p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, int items, int stride)
    {
        int blocksN = (p.N + Block - 1) / Block;
        // op(A)[i, k] = a[i * sai + k * sak]; op(B)[k, j] = b[k * sbk + j * sbj].
        int sai = p.TransA != 0 ? 1 : p.K, sak = p.TransA != 0 ? p.M : 1;
        int sbk = p.TransB != 0 ? 1 : p.N, sbj = p.TransB != 0 ? p.K : 1;
        for (int item = index; item < items; item += stride)
        {
            int i0 = item / blocksN * Block, j0 = (item - item / blocksN * blocksN) * Block;
            int a0 = Last(i0, p.M) * sai, a1 = Last(i0 + 1, p.M) * sai, a2 = Last(i0 + 2, p.M) * sai, a3 = Last(i0 + 3, p.M) * sai;
            int b0 = Last(j0, p.N) * sbj, b1 = Last(j0 + 1, p.N) * sbj, b2 = Last(j0 + 2, p.N) * sbj, b3 = Last(j0 + 3, p.N) * sbj;
            Row4 r0 = default, r1 = default, r2 = default, r3 = default;
            for (int k = 0; k < p.K; k++)
            {
                int ak = k * sak, bk = k * sbk;
                float x0 = b[b0 + bk], x1 = b[b1 + bk], x2 = b[b2 + bk], x3 = b[b3 + bk];
                r0 = Row4.Fma(r0, a[a0 + ak], x0, x1, x2, x3);
                r1 = Row4.Fma(r1, a[a1 + ak], x0, x1, x2, x3);
                r2 = Row4.Fma(r2, a[a2 + ak], x0, x1, x2, x3);
                r3 = Row4.Fma(r3, a[a3 + ak], x0, x1, x2, x3);
            }
            StoreRow(p, c, i0, j0, r0);
            StoreRow(p, c, i0 + 1, j0, r1);
            StoreRow(p, c, i0 + 2, j0, r2);
            StoreRow(p, c, i0 + 3, j0, r3);
        }
    }

    // i, clamped to the last valid index n - 1.
    private static int Last(int i, int n) => i < n ? i : n - 1;

    // Columns col..col + 3 of one row of the block (those inside C).
    private static void StoreRow(GemmArgs p, ArrayView<float> c, int row, int col, Row4 acc)
    {
        if (row >= p.M) return;
        int rowBase = row * p.N;
        Store(p, c, rowBase, col, acc.C0);
        Store(p, c, rowBase, col + 1, acc.C1);
        Store(p, c, rowBase, col + 2, acc.C2);
        Store(p, c, rowBase, col + 3, acc.C3);
    }

    // Beta == 0 never reads C (it may hold garbage or NaN), as BLAS.
    private static void Store(GemmArgs p, ArrayView<float> c, int rowBase, int col, float acc)
    {
        if (col >= p.N) return;
        int i = rowBase + col;
        c[i] = p.Beta == 0f ? p.Alpha * acc : p.Alpha * acc + p.Beta * c[i];
    }
}

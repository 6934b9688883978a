namespace Cac;

public static partial class Ops
{
    /// <summary>Matrix product of 2-D tensors: a (m, k) @ b (k, n) -> (m, n).</summary>
    public static Tensor MatMul(Tensor a, Tensor b) => Gemm(a, false, b, false);

    /// <summary>
    /// op(a) @ op(b) where op transposes when asked, without materialising a transpose.
    /// a: (m, k) or (k, m) when transA; b: (k, n) or (n, k) when transB; result (m, n).
    /// </summary>
    public static Tensor Gemm(Tensor a, bool transA, Tensor b, bool transB)
    {
        RequireCompatible("matmul", a, b);
        RequireFloat(a, "matmul");
        if (a.Rank != 2 || b.Rank != 2)
            throw new ArgumentException($"matmul expects 2-D tensors, got shapes {Shape.Format(a.Dims)} and {Shape.Format(b.Dims)}");
        int m = transA ? a.Dims[1] : a.Dims[0], k = transA ? a.Dims[0] : a.Dims[1];
        int kb = transB ? b.Dims[1] : b.Dims[0], n = transB ? b.Dims[0] : b.Dims[1];
        if (k != kb)
            throw new ArgumentException($"matmul: inner dimensions differ: {Shape.Format(a.Dims)}{(transA ? "^T" : "")} @ {Shape.Format(b.Dims)}{(transB ? "^T" : "")} ({k} vs {kb})");
        var y = Empty(a, m, n);
        a.Backend.Gemm(transA, transB, m, n, k, 1.0, a.Storage, 0, b.Storage, 0, 0.0, y.Storage, 0);
        return Autograd.Record("matmul", y, [a, b], grad =>
        [
            // dA = grad @ op(b)^T (transposed back when A was stored transposed)
            a.RequiresGrad ? (transA ? Gemm(b, transB, grad, true) : Gemm(grad, false, b, !transB)) : null,
            // dB = op(a)^T @ grad (transposed back when B was stored transposed)
            b.RequiresGrad ? (transB ? Gemm(grad, true, a, transA) : Gemm(a, !transA, grad, false)) : null,
        ]);
    }

    /// <summary>y = x @ weight^T + bias, PyTorch's linear. x: (N, in), weight: (out, in), bias: (out) or null.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias)
    {
        if (x.Rank != 2 || weight.Rank != 2 || x.Dims[1] != weight.Dims[1])
            throw new ArgumentException($"linear: input {Shape.Format(x.Dims)} does not match weight {Shape.Format(weight.Dims)} (expected input (N, {(weight.Rank == 2 ? weight.Dims[1] : -1)}))");
        var y = Gemm(x, false, weight, true);
        return bias is null ? y : Add(y, bias);
    }
}

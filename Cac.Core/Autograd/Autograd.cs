namespace Cac;

/// <summary>
/// Reverse-mode, define-by-run autograd. Ops call <see cref="Record"/> to attach a backward function to
/// their output; <see cref="Tensor.Backward"/> walks the graph in reverse topological order.
/// </summary>
public static class Autograd
{
    [ThreadStatic] private static int _noGradDepth;

    /// <summary>False inside a <see cref="NoGrad"/> scope: ops then record nothing.</summary>
    public static bool IsEnabled => _noGradDepth == 0;

    /// <summary>A scope in which ops record no graph (evaluation, optimizer steps). Dispose to leave it.</summary>
    public static IDisposable NoGrad() => new NoGradScope();

    private sealed class NoGradScope : IDisposable
    {
        private bool _disposed;
        public NoGradScope() => _noGradDepth++;
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _noGradDepth--;
        }
    }

    /// <summary>
    /// Attaches <paramref name="backward"/> to <paramref name="output"/> when grad mode is on and any input
    /// requires grad. The backward function receives dL/dOutput and returns one gradient per input
    /// (same shapes as the inputs; null for inputs that need none). Returns <paramref name="output"/>.
    /// </summary>
    public static Tensor Record(string opName, Tensor output, Tensor[] inputs, Func<Tensor, Tensor?[]> backward)
    {
        if (!IsEnabled || !inputs.Any(t => t.RequiresGrad)) return output;
        output.GradFn = new Node(opName, inputs, backward);
        output.RequiresGrad = true;
        return output;
    }

    /// <summary>Runs backpropagation from <paramref name="root"/>, accumulating into the leaves' Grad.</summary>
    internal static void Backward(Tensor root, Tensor? gradOutput)
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException("backward() called on a tensor that does not require grad (no input of the computation requires grad)");
        if (gradOutput is null)
        {
            if (root.Numel != 1)
                throw new InvalidOperationException($"backward() without a gradient needs a one-element output; got shape {Shape.Format(root.Dims)}: pass the output gradient");
            gradOutput = Tensor.Full(root.Shape, 1.0, root.DType, root.Device);
        }
        else if (!Shape.SameAs(gradOutput.Dims, root.Dims))
        {
            throw new ArgumentException($"output gradient of shape {Shape.Format(gradOutput.Dims)} does not match the output shape {Shape.Format(root.Dims)}");
        }

        using var _ = NoGrad();
        var grads = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance) { [root] = gradOutput };
        foreach (var t in TopologicalOrder(root))
        {
            if (!grads.Remove(t, out var grad)) continue;
            if (t.GradFn is null)
            {
                AccumulateLeaf(t, grad);
                continue;
            }
            var node = t.GradFn;
            var inputGrads = node.Backward(grad);
            for (int i = 0; i < node.Inputs.Length; i++)
            {
                var input = node.Inputs[i];
                var gi = inputGrads[i];
                if (!input.RequiresGrad || gi is null) continue;
                if (!Shape.SameAs(gi.Dims, input.Dims))
                    throw new InvalidOperationException($"{node.Name} backward returned a gradient of shape {Shape.Format(gi.Dims)} for input {i} of shape {Shape.Format(input.Dims)}");
                grads[input] = grads.TryGetValue(input, out var acc) ? Ops.Add(acc, gi) : gi;
            }
        }
    }

    private static void AccumulateLeaf(Tensor leaf, Tensor grad)
    {
        if (leaf.Grad is null)
        {
            // A fresh copy (grad may share storage with other gradients of this pass) with the leaf's lifetime.
            var copy = Tensor.ZerosLike(leaf);
            copy.CopyFrom(grad.DType == leaf.DType ? grad : grad.To(leaf.DType));
            leaf.SetOwnedGrad(copy);
        }
        else
        {
            leaf.Backend.Axpy(1.0, grad.Storage, leaf.Grad.Storage);
        }
    }

    /// <summary>Tensors reachable from root through GradFn edges, root first, each before its inputs.</summary>
    private static List<Tensor> TopologicalOrder(Tensor root)
    {
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var postOrder = new List<Tensor>();
        var stack = new Stack<(Tensor Tensor, int NextInput)>();
        stack.Push((root, 0));
        visited.Add(root);
        while (stack.Count > 0)
        {
            var (t, next) = stack.Pop();
            var inputs = t.GradFn?.Inputs ?? [];
            if (next < inputs.Length)
            {
                stack.Push((t, next + 1));
                var child = inputs[next];
                if (child.RequiresGrad && visited.Add(child)) stack.Push((child, 0));
            }
            else
            {
                postOrder.Add(t);
            }
        }
        postOrder.Reverse();
        return postOrder;
    }
}

namespace Cac;

public sealed partial class Tensor
{
    /// <summary>
    /// Takes this tensor's storage out of the <see cref="TensorScope"/> it was created in, so that it outlives the scope
    /// (the garbage collector, or an explicit <see cref="Storage.Dispose"/>, releases it later). Returns this tensor.
    /// Tensors sharing the storage (reshapes, <see cref="Detach"/>) are kept with it.
    /// </summary>
    public Tensor DetachFromScope()
    {
        TensorScope.MoveTo(Storage, null);
        return this;
    }

    /// <summary>Moves this tensor's storage from its scope to the scope around it (or out of scopes at the outermost). Returns this tensor.</summary>
    public Tensor MoveToOuterScope()
    {
        if (Storage.Scope is { } scope) TensorScope.MoveTo(Storage, scope.Outer);
        return this;
    }

    /// <summary>Gives <paramref name="other"/>'s storage this tensor's lifetime: it joins this tensor's scope (or none).</summary>
    internal void Adopt(Tensor other) => TensorScope.MoveTo(other.Storage, Storage.Scope);
}

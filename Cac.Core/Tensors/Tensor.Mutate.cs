namespace Cac;

public sealed partial class Tensor
{
    /// <summary>
    /// Swaps the buffer behind this tensor for another of the same length (a dtype or device change
    /// made in place, as Module.To does for parameters). The shape is unchanged; the gradient is dropped. The new
    /// storage takes over the old one's lifetime (its <see cref="TensorScope"/>, or none).
    /// </summary>
    internal void ReplaceStorage(Storage storage)
    {
        if (storage.Length != Storage.Length)
            throw new ArgumentException($"replacement storage has {storage.Length} elements, the tensor of shape {Cac.Shape.Format(_shape)} needs {Storage.Length}");
        TensorScope.MoveTo(storage, Storage.Scope);
        Storage = storage;
        Grad = null;
    }
}

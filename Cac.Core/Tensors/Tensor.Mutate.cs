namespace Cac;

public sealed partial class Tensor
{
    /// <summary>
    /// Swaps the buffer behind this tensor for another of the same length (a dtype or device change
    /// made in place, as Module.To does for parameters). The shape is unchanged; the gradient is dropped.
    /// </summary>
    internal void ReplaceStorage(Storage storage)
    {
        if (storage.Length != Storage.Length)
            throw new ArgumentException($"replacement storage has {storage.Length} elements, the tensor of shape {Cac.Shape.Format(_shape)} needs {Storage.Length}");
        Storage = storage;
        Grad = null;
    }
}

namespace Cac.Data;

/// <summary>
/// One mini-batch: images (B, C, H, W) float32 and labels (B) Int32 on the loader's device, plus which
/// samples they are. Disposing releases both tensors' storage (optional; useful on GPUs).
/// </summary>
public sealed class Batch : IDisposable
{
    /// <summary>Creates a batch.</summary>
    public Batch(Tensor images, Tensor labels, int[] indices, int epoch, int index)
    {
        Images = images;
        Labels = labels;
        Indices = indices;
        Epoch = epoch;
        Index = index;
    }

    /// <summary>Images, (B, C, H, W), float32, transformed.</summary>
    public Tensor Images { get; }

    /// <summary>Class labels, (B), Int32.</summary>
    public Tensor Labels { get; }

    /// <summary>The dataset index of each sample, (B).</summary>
    public int[] Indices { get; }

    /// <summary>The epoch this batch belongs to.</summary>
    public int Epoch { get; }

    /// <summary>Position of this batch within its epoch.</summary>
    public int Index { get; }

    /// <summary>Number of samples B.</summary>
    public int Size => Indices.Length;

    /// <inheritdoc />
    public void Dispose()
    {
        Images.Storage.Dispose();
        Labels.Storage.Dispose();
    }
}

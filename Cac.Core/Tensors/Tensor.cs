using System.Text;

namespace Cac;

/// <summary>
/// An n-dimensional array on a device, with reverse-mode autograd. Always contiguous row-major;
/// <see cref="Reshape"/> and <see cref="Detach"/> share storage, every other op allocates its result.
/// <para>
/// Lifetime: a tensor's memory is released by the <see cref="TensorScope"/> it was created in, by
/// <see cref="Storage.Dispose"/>, or by the garbage collector; using released memory throws <see cref="ObjectDisposedException"/>.
/// </para>
/// <para>
/// Threads (the contract the tests in Cac.Tests/Core/ConcurrencyContractTests.cs check on the CPU backend, each result
/// bit for bit equal to the single-threaded run): ops on different tensors may run on different threads at once, so two
/// models can train on two threads; a tensor created on one thread (a data-loader thread) may be used on another; one
/// model may serve inference (<see cref="Autograd.NoGrad"/>, eval mode) from several threads at once. Grad mode and
/// scopes are per thread. Not thread-safe: writing a tensor (an optimizer step, <see cref="CopyFrom"/>, backward into
/// shared leaves) while another thread reads or writes it, and training one model from two threads. A tensor created
/// inside a scope dies with it: detach it before another thread, which may outlive the scope, uses it. A
/// <c>GpuBackend</c> (Cac.Gpu) is used by one thread at a time (ILGPU accelerators are not thread-safe); its memory
/// safety holds across threads all the same.
/// </para>
/// </summary>
public sealed partial class Tensor
{
    private readonly int[] _shape;

    /// <summary>Wraps a storage with a shape (the storage must hold exactly numel(shape) elements).</summary>
    public Tensor(Storage storage, int[] shape, bool requiresGrad = false)
    {
        long numel = Cac.Shape.Numel(shape);
        if (storage.Length != numel)
            throw new ArgumentException($"storage of {storage.Length} elements cannot hold a tensor of shape {Cac.Shape.Format(shape)} ({numel} elements)");
        foreach (var d in shape)
            if (d < 0) throw new ArgumentException($"negative dimension in shape {Cac.Shape.Format(shape)}");
        Storage = storage;
        _shape = (int[])shape.Clone();
        RequiresGrad = requiresGrad;
    }

    /// <summary>The buffer holding the elements.</summary>
    public Storage Storage { get; private set; }

    /// <summary>Extents, outermost first. A copy: tensors are immutable in shape.</summary>
    public int[] Shape => (int[])_shape.Clone();

    /// <summary>Read-only view of the extents (no copy).</summary>
    public ReadOnlySpan<int> Dims => _shape;

    /// <summary>Number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>Extent of one dimension (negative counts from the end).</summary>
    public int Size(int axis) => _shape[Cac.Shape.NormalizeAxis(axis, Rank, _shape)];

    /// <summary>Number of elements.</summary>
    public long Numel => Storage.Length;

    /// <summary>Element type.</summary>
    public DType DType => Storage.DType;

    /// <summary>The device holding the storage.</summary>
    public Device Device => Storage.Backend.Device;

    internal IBackend Backend => Storage.Backend;

    /// <summary>Whether gradients flow to this tensor. Leaves with this flag receive <see cref="Grad"/>.</summary>
    public bool RequiresGrad { get; set; }

    /// <summary>
    /// Accumulated gradient of a leaf after <see cref="Backward"/>; null before. A gradient that backward created lives as
    /// long as this tensor (it joins this tensor's <see cref="TensorScope"/>) and is released by <see cref="ZeroGrad"/>.
    /// </summary>
    public Tensor? Grad
    {
        get => _grad;
        set
        {
            _grad = value;
            _ownsGrad = false;
        }
    }

    private Tensor? _grad;
    private bool _ownsGrad; // the gradient was created by backward (AccumulateLeaf): ZeroGrad releases its memory

    /// <summary>The op that produced this tensor (null for leaves).</summary>
    internal Node? GradFn { get; set; }

    /// <summary>True for tensors not produced by a recorded op.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>A new tensor sharing storage with a different shape of the same element count. -1 infers one extent.</summary>
    public Tensor Reshape(params int[] shape) => Ops.Reshape(this, shape);

    /// <summary>A tensor sharing storage but cut from the graph.</summary>
    public Tensor Detach() => new(Storage, _shape);

    /// <summary>Replaces the contents with those of <paramref name="source"/> (same shape and dtype), outside autograd.</summary>
    public void CopyFrom(Tensor source)
    {
        if (!Cac.Shape.SameAs(_shape, source._shape) || source.DType != DType)
            throw new ArgumentException($"cannot copy a {source.DType.Name()} tensor of shape {Cac.Shape.Format(source._shape)} into a {DType.Name()} tensor of shape {Cac.Shape.Format(_shape)}");
        var src = source.Device == Device ? source : source.To(Device);
        Backend.Copy(src.Storage, 0, Storage, 0, Numel);
    }

    /// <summary>Copies the elements to a new float array.</summary>
    public float[] ToFloatArray() => DownloadAs<float>(DType.Float32);

    /// <summary>Copies the elements to a new double array.</summary>
    public double[] ToDoubleArray() => DownloadAs<double>(DType.Float64);

    /// <summary>Copies the elements of an Int32 tensor to a new array.</summary>
    public int[] ToIntArray() => DownloadAs<int>(DType.Int32);

    /// <summary>The single element of a one-element tensor, as double.</summary>
    public double Item()
    {
        if (Numel != 1) throw new InvalidOperationException($"Item() needs a tensor with one element, got shape {Cac.Shape.Format(_shape)}");
        return DType switch
        {
            DType.Float32 => ToFloatArray()[0],
            DType.Float64 => ToDoubleArray()[0],
            _ => ToIntArray()[0],
        };
    }

    private T[] DownloadAs<T>(DType want) where T : unmanaged
    {
        // A cast that a device may not support (float64 on an ILGPU device) happens on the host, after the copy.
        var t = DType == want ? this : (Device.Kind == DeviceKind.Cpu ? this : To(Device.Cpu)).To(want);
        var result = new T[Numel];
        t.Backend.Download<T>(t.Storage, result);
        return result;
    }

    /// <summary>"tensor(shape=(2, 3), dtype=float32, device=cpu)" followed by up to 8 leading values.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("tensor(shape=").Append(Cac.Shape.Format(_shape)).Append(", dtype=").Append(DType.Name())
          .Append(", device=").Append(Device.Name);
        if (RequiresGrad) sb.Append(", requires_grad=True");
        sb.Append(')');
        if (Numel > 0)
        {
            var values = DType == DType.Int32 ? ToIntArray().Take(8).Select(v => v.ToString()) : ToDoubleArray().Take(8).Select(v => v.ToString("G5"));
            sb.Append(" [").Append(string.Join(", ", values)).Append(Numel > 8 ? ", ...]" : "]");
        }
        return sb.ToString();
    }
}

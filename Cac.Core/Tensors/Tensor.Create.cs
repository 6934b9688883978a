namespace Cac;

public sealed partial class Tensor
{
    /// <summary>A zero-filled tensor.</summary>
    public static Tensor Zeros(int[] shape, DType dtype = DType.Float32, Device? device = null, bool requiresGrad = false) =>
        new((device ?? Device.Cpu).Backend.Allocate(dtype, Cac.Shape.Numel(shape)), shape, requiresGrad);

    /// <summary>A tensor filled with ones.</summary>
    public static Tensor Ones(int[] shape, DType dtype = DType.Float32, Device? device = null, bool requiresGrad = false) =>
        Full(shape, 1.0, dtype, device, requiresGrad);

    /// <summary>A tensor filled with one value.</summary>
    public static Tensor Full(int[] shape, double value, DType dtype = DType.Float32, Device? device = null, bool requiresGrad = false)
    {
        var t = Zeros(shape, dtype, device);
        t.Backend.Fill(t.Storage, value);
        t.RequiresGrad = requiresGrad;
        return t;
    }

    /// <summary>A zero-filled tensor with the shape, dtype and device of <paramref name="like"/>.</summary>
    public static Tensor ZerosLike(Tensor like) => Zeros(like._shape, like.DType, like.Device);

    /// <summary>A float32 tensor from host data (copied).</summary>
    public static Tensor FromArray(float[] data, int[] shape, Device? device = null, bool requiresGrad = false) =>
        FromSpan<float>(data, shape, device, requiresGrad);

    /// <summary>A float64 tensor from host data (copied).</summary>
    public static Tensor FromArray(double[] data, int[] shape, Device? device = null, bool requiresGrad = false) =>
        FromSpan<double>(data, shape, device, requiresGrad);

    /// <summary>An Int32 tensor (labels, indices) from host data (copied).</summary>
    public static Tensor FromArray(int[] data, int[] shape, Device? device = null) =>
        FromSpan<int>(data, shape, device, false);

    private static Tensor FromSpan<T>(ReadOnlySpan<T> data, int[] shape, Device? device, bool requiresGrad) where T : unmanaged
    {
        long numel = Cac.Shape.Numel(shape);
        if (data.Length != numel)
            throw new ArgumentException($"{data.Length} values cannot fill a tensor of shape {Cac.Shape.Format(shape)} ({numel} elements)");
        return new Tensor((device ?? Device.Cpu).Backend.Upload(data), shape, requiresGrad);
    }

    /// <summary>A scalar (shape []) tensor.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32, Device? device = null) => Full([], value, dtype, device);

    /// <summary>Samples from N(mean, std^2) with a seeded generator.</summary>
    public static Tensor RandN(int[] shape, Generator generator, double mean = 0, double std = 1, DType dtype = DType.Float32, Device? device = null, bool requiresGrad = false)
    {
        var values = new double[Cac.Shape.Numel(shape)];
        for (int i = 0; i < values.Length; i++) values[i] = mean + std * generator.NextNormal();
        return FromDoubles(values, shape, dtype, device, requiresGrad);
    }

    /// <summary>Samples uniformly from [low, high) with a seeded generator.</summary>
    public static Tensor Uniform(int[] shape, Generator generator, double low = 0, double high = 1, DType dtype = DType.Float32, Device? device = null, bool requiresGrad = false)
    {
        var values = new double[Cac.Shape.Numel(shape)];
        for (int i = 0; i < values.Length; i++) values[i] = low + (high - low) * generator.NextDouble();
        return FromDoubles(values, shape, dtype, device, requiresGrad);
    }

    private static Tensor FromDoubles(double[] values, int[] shape, DType dtype, Device? device, bool requiresGrad) => dtype switch
    {
        DType.Float64 => FromArray(values, shape, device, requiresGrad),
        DType.Float32 => FromArray(Array.ConvertAll(values, v => (float)v), shape, device, requiresGrad),
        _ => throw new ArgumentException($"random tensors must be float32 or float64, not {dtype.Name()}"),
    };

    /// <summary>A copy converted to another floating-point dtype (the same tensor when it already has it). Differentiable.</summary>
    public Tensor To(DType dtype) => dtype == DType ? this : Ops.Cast(this, dtype);

    /// <summary>A copy on another device (the same tensor when already there), through host memory. Not differentiable.</summary>
    public Tensor To(Device device)
    {
        if (device == Device) return this;
        Storage storage = DType switch
        {
            DType.Float32 => device.Backend.Upload<float>(ToFloatArray()),
            DType.Float64 => device.Backend.Upload<double>(ToDoubleArray()),
            _ => device.Backend.Upload<int>(ToIntArray()),
        };
        return new Tensor(storage, _shape, RequiresGrad && IsLeaf);
    }
}

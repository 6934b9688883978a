namespace Cac;

/// <summary>Element type of a tensor.</summary>
public enum DType
{
    /// <summary>32-bit float: the training type.</summary>
    Float32,
    /// <summary>64-bit float: used by gradient checks (CPU backend).</summary>
    Float64,
    /// <summary>32-bit signed integer: class labels and pooling indices.</summary>
    Int32,
}

/// <summary>Helpers on <see cref="DType"/>.</summary>
public static class DTypeExtensions
{
    /// <summary>Size of one element in bytes.</summary>
    public static int SizeInBytes(this DType dtype) => dtype switch
    {
        DType.Float32 => 4,
        DType.Float64 => 8,
        DType.Int32 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>True for the floating-point types.</summary>
    public static bool IsFloatingPoint(this DType dtype) => dtype is DType.Float32 or DType.Float64;

    /// <summary>The lower-case name PyTorch prints ("float32").</summary>
    public static string Name(this DType dtype) => dtype.ToString().ToLowerInvariant();
}

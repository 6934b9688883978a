namespace Cac;

/// <summary>
/// Everything a 2-D convolution kernel needs to know about its shapes.
/// x: (N, Cin, H, W), w: (Cout, Cin/Groups, KH, KW), y: (N, Cout, Ho, Wo).
/// </summary>
public readonly record struct ConvGeometry(
    int N, int Cin, int H, int W, int Cout, int KH, int KW,
    int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW, int Groups)
{
    /// <summary>Output height.</summary>
    public int Ho => (H + 2 * PadH - DilationH * (KH - 1) - 1) / StrideH + 1;

    /// <summary>Output width.</summary>
    public int Wo => (W + 2 * PadW - DilationW * (KW - 1) - 1) / StrideW + 1;

    /// <summary>Input channels per group.</summary>
    public int CinPerGroup => Cin / Groups;

    /// <summary>Output channels per group.</summary>
    public int CoutPerGroup => Cout / Groups;

    /// <summary>Rows of one group's im2col matrix: Cin/Groups * KH * KW.</summary>
    public int PatchSize => CinPerGroup * KH * KW;
}

/// <summary>Shapes of a 2-D pooling window. x: (N, C, H, W), y: (N, C, Ho, Wo).</summary>
public readonly record struct PoolGeometry(
    int N, int C, int H, int W, int KH, int KW, int StrideH, int StrideW, int PadH, int PadW)
{
    /// <summary>Output height (floor mode, as PyTorch's default).</summary>
    public int Ho => (H + 2 * PadH - KH) / StrideH + 1;

    /// <summary>Output width (floor mode).</summary>
    public int Wo => (W + 2 * PadW - KW) / StrideW + 1;
}

/// <summary>Elementwise unary functions.</summary>
public enum UnaryOp { Neg, Relu, Sigmoid, Tanh, Exp, Log, Sqrt, Abs, Sign }

/// <summary>Elementwise binary functions (with broadcasting).</summary>
public enum BinaryOp { Add, Sub, Mul, Div, Maximum, Minimum }

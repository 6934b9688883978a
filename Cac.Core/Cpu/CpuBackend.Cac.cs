namespace Cac;

// Dispatch of the CAC kernels (IBackend.Cac.cs) to the generic implementations in CpuCacScore.cs and CpuCacGather.cs.
public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public void CacSobelScore(Storage xbar, Storage score, ConvGeometry g, int smooth)
    {
        if (IsDouble(xbar)) CpuCacScore<double>.Sobel(Data<double>(xbar), Data<double>(score), g, smooth);
        else CpuCacScore<float>.Sobel(Data<float>(xbar), Data<float>(score), g, smooth);
    }

    /// <inheritdoc />
    public void CacInputScore(Storage x, int channels, Storage score, ConvGeometry g, int smooth)
    {
        if (IsDouble(x)) CpuCacScore<double>.InputSobel(Data<double>(x), channels, Data<double>(score), g, smooth);
        else CpuCacScore<float>.InputSobel(Data<float>(x), channels, Data<float>(score), g, smooth);
    }

    /// <inheritdoc />
    public void CacStep(Storage x, Storage y)
    {
        if (IsDouble(x)) CpuCacScore<double>.Step(Data<double>(x), Data<double>(y));
        else CpuCacScore<float>.Step(Data<float>(x), Data<float>(y));
    }

    /// <inheritdoc />
    public int CacPartition(Storage score, long count, Storage order) => IsDouble(score)
        ? CpuCacScore<double>.Partition(Data<double>(score), count, Data<int>(order))
        : CpuCacScore<float>.Partition(Data<float>(score), count, Data<int>(order));

    /// <inheritdoc />
    public void CacScoreGrad(Storage gy, Storage y, Storage score, Storage gScore, int n, int channels, int positions)
    {
        if (IsDouble(gy)) CpuCacScore<double>.ScoreGrad(Data<double>(gy), Data<double>(y), Data<double>(score), Data<double>(gScore), n, channels, positions);
        else CpuCacScore<float>.ScoreGrad(Data<float>(gy), Data<float>(y), Data<float>(score), Data<float>(gScore), n, channels, positions);
    }

    /// <inheritdoc />
    public void CacGatherWindows(Storage x, Storage idx, long idxOffset, int count, Storage cols, ConvGeometry g)
    {
        if (IsDouble(x)) CpuCacGather<double>.GatherWindows(Data<double>(x), Data<int>(idx), idxOffset, count, Data<double>(cols), g);
        else CpuCacGather<float>.GatherWindows(Data<float>(x), Data<int>(idx), idxOffset, count, Data<float>(cols), g);
    }

    /// <inheritdoc />
    public void CacScatterWindows(Storage cols, Storage idx, long idxOffset, int count, Storage gx, ConvGeometry g)
    {
        if (IsDouble(cols)) CpuCacGather<double>.ScatterWindows(Data<double>(cols), Data<int>(idx), idxOffset, count, Data<double>(gx), g);
        else CpuCacGather<float>.ScatterWindows(Data<float>(cols), Data<int>(idx), idxOffset, count, Data<float>(gx), g);
    }

    /// <inheritdoc />
    public void CacGatherPoints(Storage x, Storage idx, long idxOffset, int count, Storage points, ConvGeometry g, CacSamplePoint point)
    {
        if (IsDouble(x)) CpuCacGather<double>.Points(Data<double>(x), Data<int>(idx), idxOffset, count, Data<double>(points), g, point, scatter: false);
        else CpuCacGather<float>.Points(Data<float>(x), Data<int>(idx), idxOffset, count, Data<float>(points), g, point, scatter: false);
    }

    /// <inheritdoc />
    public void CacScatterPoints(Storage points, Storage idx, long idxOffset, int count, Storage gx, ConvGeometry g, CacSamplePoint point)
    {
        if (IsDouble(points)) CpuCacGather<double>.Points(Data<double>(gx), Data<int>(idx), idxOffset, count, Data<double>(points), g, point, scatter: true);
        else CpuCacGather<float>.Points(Data<float>(gx), Data<int>(idx), idxOffset, count, Data<float>(points), g, point, scatter: true);
    }

    /// <inheritdoc />
    public void CacScatterColumns(Storage cols, Storage? bias, Storage idx, long idxOffset, int count, Storage y, int channels, int positions)
    {
        if (IsDouble(cols)) CpuCacGather<double>.ScatterColumns(Data<double>(cols), bias is null ? null : Data<double>(bias), Data<int>(idx), idxOffset, count, Data<double>(y), channels, positions);
        else CpuCacGather<float>.ScatterColumns(Data<float>(cols), bias is null ? null : Data<float>(bias), Data<int>(idx), idxOffset, count, Data<float>(y), channels, positions);
    }

    /// <inheritdoc />
    public void CacGatherColumns(Storage src, Storage idx, long idxOffset, int count, Storage cols, int channels, int positions)
    {
        if (IsDouble(src)) CpuCacGather<double>.GatherColumns(Data<double>(src), Data<int>(idx), idxOffset, count, Data<double>(cols), channels, positions);
        else CpuCacGather<float>.GatherColumns(Data<float>(src), Data<int>(idx), idxOffset, count, Data<float>(cols), channels, positions);
    }

    /// <inheritdoc />
    public void CacSumTaps(Storage w, Storage wPhi, int rows, int taps)
    {
        if (IsDouble(w)) CpuCacGather<double>.SumTaps(Data<double>(w), Data<double>(wPhi), rows, taps);
        else CpuCacGather<float>.SumTaps(Data<float>(w), Data<float>(wPhi), rows, taps);
    }

    /// <inheritdoc />
    public void CacSpreadTaps(Storage gwPhi, Storage gw, int rows, int taps)
    {
        if (IsDouble(gw)) CpuCacGather<double>.SpreadTaps(Data<double>(gwPhi), Data<double>(gw), rows, taps);
        else CpuCacGather<float>.SpreadTaps(Data<float>(gwPhi), Data<float>(gw), rows, taps);
    }

    /// <inheritdoc />
    public void CacSamplePoints(Storage x, Storage y, ConvGeometry g, CacSamplePoint point)
    {
        if (IsDouble(x)) CpuCacGather<double>.SamplePoints(Data<double>(x), Data<double>(y), g, point, backward: false);
        else CpuCacGather<float>.SamplePoints(Data<float>(x), Data<float>(y), g, point, backward: false);
    }

    /// <inheritdoc />
    public void CacSamplePointsBackward(Storage gy, Storage gx, ConvGeometry g, CacSamplePoint point)
    {
        if (IsDouble(gy)) CpuCacGather<double>.SamplePoints(Data<double>(gx), Data<double>(gy), g, point, backward: true);
        else CpuCacGather<float>.SamplePoints(Data<float>(gx), Data<float>(gy), g, point, backward: true);
    }
}

// The fused, per-sample sparse CAC convolution (CpuCacSparse.cs), overriding the composed default.
public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public void CacSparseForward(Storage x, Storage w, Storage wPhi, Storage? bias, Storage order, int sharp, Storage y, ConvGeometry g, CacSamplePoint point)
    {
        if (Kernels != CpuKernelChoice.Fast) { CacSparseForwardChosen(x, w, wPhi, bias, order, sharp, y, g, point); return; }
        if (IsDouble(x)) CpuCacSparse<double>.Forward(Data<double>(x), Data<double>(w), Data<double>(wPhi), bias is null ? null : Data<double>(bias), Data<int>(order), sharp, Data<double>(y), g, point);
        else CpuCacSparse<float>.Forward(Data<float>(x), Data<float>(w), Data<float>(wPhi), bias is null ? null : Data<float>(bias), Data<int>(order), sharp, Data<float>(y), g, point);
    }

    /// <inheritdoc />
    public void CacSparseBackward(Storage x, Storage w, Storage wPhi, Storage gy, Storage order, int sharp, Storage? gx, Storage? gw, ConvGeometry g, CacSamplePoint point)
    {
        if (Kernels != CpuKernelChoice.Fast) { CacSparseBackwardChosen(x, w, wPhi, gy, order, sharp, gx, gw, g, point); return; }
        if (IsDouble(x)) CpuCacSparse<double>.Backward(Data<double>(x), Data<double>(w), Data<double>(wPhi), Data<double>(gy), Data<int>(order), sharp, gx is null ? null : Data<double>(gx), gw is null ? null : Data<double>(gw), g, point);
        else CpuCacSparse<float>.Backward(Data<float>(x), Data<float>(w), Data<float>(wPhi), Data<float>(gy), Data<int>(order), sharp, gx is null ? null : Data<float>(gx), gw is null ? null : Data<float>(gw), g, point);
    }
}

// The fused CAC layer forward (CpuCacSparse.LayerForward), overriding the composed default.
public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public int CacLayerForward(Storage x, Storage w, Storage wPhi, Storage? bias, Storage gamma, Storage beta, Storage scoreMap,
        Storage mask, Storage y, ConvGeometry g, CacSamplePoint point, int smooth) => Kernels != CpuKernelChoice.Fast
        ? CacLayerForwardChosen(x, w, wPhi, bias, gamma, beta, scoreMap, mask, y, g, point, smooth)
        : IsDouble(x)
        ? CpuCacSparse<double>.LayerForward(Data<double>(x), Data<double>(w), Data<double>(wPhi), bias is null ? null : Data<double>(bias),
            ScalarOf(gamma), ScalarOf(beta), Data<double>(scoreMap), Data<double>(mask), Data<double>(y), g, point, smooth)
        : CpuCacSparse<float>.LayerForward(Data<float>(x), Data<float>(w), Data<float>(wPhi), bias is null ? null : Data<float>(bias),
            (float)ScalarOf(gamma), (float)ScalarOf(beta), Data<float>(scoreMap), Data<float>(mask), Data<float>(y), g, point, smooth);
}

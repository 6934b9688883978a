namespace Cac;

// The CAC layer's kernels under CpuKernelChoice.Reference and CpuKernelChoice.Gemm (CpuBackend.Cac.cs routes here when
// Kernels is not Fast): the plain loops of Cpu/Reference/CacLayerReference.cs, or the composition of the gather kernels
// and GEMMs that the GPU backend runs (Backends/Composed). The convolutions choose inside CpuConv.cs.
public sealed partial class CpuBackend
{
    private void CacSparseForwardChosen(Storage x, Storage w, Storage wPhi, Storage? bias, Storage order, int sharp, Storage y,
        ConvGeometry g, CacSamplePoint point)
    {
        if (Kernels == CpuKernelChoice.Gemm) CacSparseComposed.Forward(this, x, w, wPhi, bias, order, sharp, y, g, point);
        else if (IsDouble(x)) CacLayerReference.SparseForward(Data<double>(x), Data<double>(w), Data<double>(wPhi), Optional<double>(bias), Data<int>(order), sharp, Data<double>(y), g, point);
        else CacLayerReference.SparseForward(Data<float>(x), Data<float>(w), Data<float>(wPhi), Optional<float>(bias), Data<int>(order), sharp, Data<float>(y), g, point);
    }

    private void CacSparseBackwardChosen(Storage x, Storage w, Storage wPhi, Storage gy, Storage order, int sharp, Storage? gx,
        Storage? gw, ConvGeometry g, CacSamplePoint point)
    {
        if (Kernels == CpuKernelChoice.Gemm) CacSparseComposed.Backward(this, x, w, wPhi, gy, order, sharp, gx, gw, g, point);
        else if (IsDouble(x)) CacLayerReference.SparseBackward(Data<double>(x), Data<double>(w), Data<double>(wPhi), Data<double>(gy), Data<int>(order), sharp, Optional<double>(gx), Optional<double>(gw), g, point);
        else CacLayerReference.SparseBackward(Data<float>(x), Data<float>(w), Data<float>(wPhi), Data<float>(gy), Data<int>(order), sharp, Optional<float>(gx), Optional<float>(gw), g, point);
    }

    private int CacLayerForwardChosen(Storage x, Storage w, Storage wPhi, Storage? bias, Storage gamma, Storage beta, Storage scoreMap,
        Storage mask, Storage y, ConvGeometry g, CacSamplePoint point, int smooth) =>
        Kernels == CpuKernelChoice.Gemm ? CacLayerComposed.Forward(this, x, w, wPhi, bias, gamma, beta, scoreMap, mask, y, g, point, smooth)
        : IsDouble(x) ? CacLayerReference.LayerForward(Data<double>(x), Data<double>(w), Data<double>(wPhi), Optional<double>(bias),
            ScalarOf(gamma), ScalarOf(beta), Data<double>(scoreMap), Data<double>(mask), Data<double>(y), g, point, smooth)
        : CacLayerReference.LayerForward(Data<float>(x), Data<float>(w), Data<float>(wPhi), Optional<float>(bias),
            (float)ScalarOf(gamma), (float)ScalarOf(beta), Data<float>(scoreMap), Data<float>(mask), Data<float>(y), g, point, smooth);

    private static T[]? Optional<T>(Storage? s) where T : unmanaged => s is null ? null : Data<T>(s);
}

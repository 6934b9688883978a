using Cac.Tests.Core;
using Xunit;

namespace Cac.Tests.PyTorch;

/// <summary>
/// The references of Cpu/Reference against PyTorch, the independent check of the code the other tests trust:
/// <see cref="ConvReference"/> called directly on the F.conv2d fixtures (fixtures/make_fixtures.py) with
/// Conv2dFixtureTests' bounds, and the content-aware layer run with <see cref="CpuKernelChoice.Reference"/> (and
/// <see cref="CpuKernelChoice.Gemm"/>) through CacFixtureTests' checks on the fixtures of fixtures/make_cac_fixtures.py.
/// </summary>
[Trait("Category", "PyTorchFixture")]
[Collection(nameof(CpuKernelsCollection))]
public class ReferenceFixtureTests
{
    [Theory]
    [InlineData("conv2d_k3_s1_p1")]
    [InlineData("conv2d_k3_s2_p1")]
    [InlineData("conv2d_k3_d2_p2")]
    [InlineData("conv2d_k3_g2")]
    [InlineData("conv2d_k3_depthwise")]
    [InlineData("conv2d_k5_s2_p2")]
    [InlineData("conv2d_k1")]
    public void Conv_reference_matches_pytorch(string caseName)
    {
        var fx = FixtureFile.Load(caseName);
        // x: (2, Cin, 7, 6), weight: (Cout, Cin/groups, k, k), bias: (Cout), r = dL/dy: (2, Cout, Ho, Wo); float32.
        var x = fx.Tensor("x");
        var w = fx.Tensor("weight");
        var b = fx.Tensor("bias");
        int stride = fx.Int("stride"), padding = fx.Int("padding"), dilation = fx.Int("dilation"), groups = fx.Int("groups");
        var geometry = ConvReferenceResults.Geometry(x.Shape, w.Shape, stride, padding, dilation, groups);
        var y = new float[geometry.N * geometry.Cout * geometry.Ho * geometry.Wo];
        ConvReference.Forward(x.ToFloatArray(), w.ToFloatArray(), b.ToFloatArray(), y, geometry);
        var r = fx.Tensor("r").ToFloatArray();
        var gx = new float[x.Numel];
        var gw = new float[w.Numel];
        ConvReference.BackwardInput(r, w.ToFloatArray(), gx, geometry);
        ConvReference.BackwardWeight(x.ToFloatArray(), r, gw, geometry);
        var gb = new float[geometry.Cout];
        for (int i = 0; i < r.Length; i++) gb[i / (geometry.Ho * geometry.Wo) % geometry.Cout] += r[i];      // dL/db: the sum of r per channel

        // The bounds of Conv2dFixtureTests (FixtureBound.Sums): y sums Cin/G k^2 products and the bias; dL/dx at most k^2
        // windows of Cout/G channels; dL/dW and dL/db one term per output position.
        int k = geometry.KH, positions = geometry.N * geometry.Ho * geometry.Wo;
        fx.AssertClose("y", Tensor.FromArray(y, [geometry.N, geometry.Cout, geometry.Ho, geometry.Wo]), FixtureBound.Sums(geometry.CinPerGroup * k * k + 1));
        fx.AssertClose("gx", Tensor.FromArray(gx, x.Shape), FixtureBound.Sums(geometry.CoutPerGroup * k * k));
        fx.AssertClose("gw", Tensor.FromArray(gw, w.Shape), FixtureBound.Sums(positions));
        fx.AssertClose("gb", Tensor.FromArray(gb, [geometry.Cout]), FixtureBound.Sums(positions));
    }

    public static TheoryData<string, DType, CpuKernelChoice> CacCases()
    {
        var data = new TheoryData<string, DType, CpuKernelChoice>();
        string[] cases =
        [
            "cac_k3_s1_p1", "cac_k3_s2_p1", "cac_k5_s1_p2", "cac_k5_s2_p2", "cac_k3_d2_p2", "cac_k3_g2", "cac_k3_p0_nobias",
            "cac_k3_beta0", "cac_k3_s1_p1_topleft", "cac_k3_s2_p1_topleft", "cac_k5_s1_p2_topleft",
        ];
        foreach (var c in cases)
            foreach (var dtype in new[] { DType.Float32, DType.Float64 })
                foreach (var choice in new[] { CpuKernelChoice.Reference, CpuKernelChoice.Gemm })
                    data.Add(c, dtype, choice);
        return data;
    }

    [Theory]
    [MemberData(nameof(CacCases))]
    public void Cac_layer_under_the_kernel_choice_matches_pytorch(string caseName, DType dtype, CpuKernelChoice choice) =>
        KernelChoice.With(choice, () =>
        {
            CacFixtureTests.Check(caseName, CacPath.Sparse, dtype);
            return 0;
        });
}

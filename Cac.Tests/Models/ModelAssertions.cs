using Cac.Nn;
using FluentAssertions;

namespace Cac.Tests.Models;

/// <summary>Assertions shared by the model tests.</summary>
internal static class ModelAssertions
{
    /// <summary>
    /// After a backward pass: every parameter of <paramref name="net"/> has a gradient, and every one not
    /// <paramref name="exempt"/> from it has a non-zero entry.
    /// </summary>
    public static void EveryParameterShouldGetANonZeroGradient(Module net, Func<string, bool>? exempt = null)
    {
        foreach (var (name, p) in net.NamedParameters())
        {
            p.Grad.Should().NotBeNull(name);
            if (exempt?.Invoke(name) == true) continue;
            p.Grad!.ToFloatArray().Any(v => v != 0).Should().BeTrue($"{name} should get a non-zero gradient");
        }
    }
}

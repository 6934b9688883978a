using Cac.Cli.Bench;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>
/// `cac bench`'s PGD-10 benchmark: --filter pgd10 runs it alone (bench/pytorch_reference.py --filter pgd10 runs PyTorch's
/// under the same name; not run here: PyTorch's two configurations take minutes on a 2-core CPU).
/// </summary>
public class BenchPgdTests
{
    private const string Name = "pgd10_resnet20_img_s";

    [Fact]
    public void Filter_pgd10_runs_the_attack_alone_and_reports_images_per_second()
    {
        var lines = new List<string>();
        var results = new CoreBenchmarks(quick: true, lines.Add, filter: "pgd10").Run();
        results.Select(r => (r.Name, r.Unit)).Should().Equal((Name, "img/s"));
        results[0].Value.Should().BeGreaterThan(0);
        lines.Should().Contain("PGD-10 on resnet20 ...");
    }
}

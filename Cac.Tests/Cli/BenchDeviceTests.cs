using Cac.Cli;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>`cac bench --device`: the benchmarks open, report and close the chosen device.</summary>
[Collection(ConsoleCollection.Name)]
public class BenchDeviceTests
{
    [Fact]
    public void Bench_opens_the_requested_device_and_names_it()
    {
        // A filter that matches no benchmark: the device is opened, named and closed, nothing is timed.
        var (code, stdout, stderr) = ConsoleCollection.Capture(() => Program.Main(["bench", "--device", "ilgpu-cpu", "--filter", "no-such-benchmark", "--json"]));
        code.Should().Be(0, stderr);
        stderr.Should().Contain("device ilgpu-cpu");
        stdout.Trim().Should().Be("[]");
    }

    [Fact]
    public void Bench_refuses_the_pytorch_comparison_on_a_device()
    {
        var (code, _, stderr) = ConsoleCollection.Capture(() => Program.Main(["bench", "--device", "ilgpu-cpu", "--compare-pytorch", "--quick"]));
        code.Should().Be(1);
        stderr.Should().Contain("--compare-pytorch").And.Contain("ilgpu-cpu");
    }

    [Fact]
    public void Bench_cac_takes_a_device_and_names_a_missing_one()
    {
        // This machine has no OpenCL device: the option is parsed and the device looked up before any timing.
        var (code, _, stderr) = ConsoleCollection.Capture(() => Program.Main(["bench", "cac", "--device", "opencl", "--quick"]));
        code.Should().Be(1);
        stderr.Should().Contain("--device opencl").And.Contain("cac devices");
    }

    [Fact]
    public void Bench_without_device_stays_on_the_cpu()
    {
        var (code, _, stderr) = ConsoleCollection.Capture(() => Program.Main(["bench", "--filter", "no-such-benchmark"]));
        code.Should().Be(0, stderr);
        stderr.Should().Contain("cores").And.NotContain("device");
    }
}

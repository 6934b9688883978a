namespace Cac.Testing;

/// <summary>The outcome of a gradient check: the worst element found, and a readable report.</summary>
public sealed record GradCheckResult(bool Passed, string Report, double MaxAbsError);

/// <summary>
/// Numerical gradient checking, as torch.autograd.gradcheck: central differences in double precision
/// (eps 1e-6, atol 1e-5, rtol 1e-3). The function's output y is projected on a fixed random vector v
/// (L = sum(v * y), torch's fast mode), and for every element of every input that requires grad the
/// analytical dL/dx from backward is compared with (L(x + eps) - L(x - eps)) / 2 eps.
/// Inputs (and module parameters passed as inputs) must be float64 tensors on the CPU device.
/// </summary>
public static class GradCheck
{
    /// <summary>Checks <paramref name="f"/> against central differences; see the class remarks.</summary>
    public static GradCheckResult Check(Func<Tensor> f, IReadOnlyList<Tensor> inputs,
        double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3, int seed = 0)
    {
        foreach (var t in inputs)
            if (t.DType != DType.Float64)
                throw new ArgumentException($"gradient checks run in double precision: an input of shape {Shape.Format(t.Dims)} is {t.DType.Name()}");

        var output = f();
        var projection = Tensor.RandN(output.Shape, new Generator(seed), dtype: DType.Float64, device: output.Device);
        double Objective()
        {
            using var _ = Autograd.NoGrad();
            return Ops.Sum(Ops.Mul(f(), projection)).Item();
        }

        foreach (var t in inputs) t.Grad = null;
        Ops.Sum(Ops.Mul(output, projection)).Backward();

        double maxAbs = 0;
        var failures = new List<string>();
        for (int index = 0; index < inputs.Count; index++)
        {
            var input = inputs[index];
            if (!input.RequiresGrad) continue;
            var analytic = input.Grad?.ToDoubleArray() ?? new double[input.Numel];
            var values = input.ToDoubleArray();
            for (int i = 0; i < values.Length; i++)
            {
                double original = values[i];
                SetElement(input, i, original + eps);
                double plus = Objective();
                SetElement(input, i, original - eps);
                double minus = Objective();
                SetElement(input, i, original);
                double numeric = (plus - minus) / (2 * eps);
                double err = Math.Abs(analytic[i] - numeric);
                maxAbs = Math.Max(maxAbs, err);
                if (err > atol + rtol * Math.Abs(numeric) && failures.Count < 5)
                    failures.Add($"input {index} {Shape.Format(input.Dims)} element {i}: analytic {analytic[i]:G6}, numeric {numeric:G6}");
            }
        }
        bool passed = failures.Count == 0;
        string report = passed ? $"gradcheck passed (max abs error {maxAbs:G3})" : "gradcheck failed:\n  " + string.Join("\n  ", failures);
        return new GradCheckResult(passed, report, maxAbs);
    }

    /// <summary>Like <see cref="Check"/>, but throws with the report when the check fails.</summary>
    public static void Assert(Func<Tensor> f, IReadOnlyList<Tensor> inputs, double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3, int seed = 0)
    {
        var result = Check(f, inputs, eps, atol, rtol, seed);
        if (!result.Passed) throw new GradCheckException(result.Report);
    }

    private static void SetElement(Tensor t, long index, double value)
    {
        var one = t.Backend.Upload<double>([value]);
        t.Backend.Copy(one, 0, t.Storage, index, 1);
    }
}

/// <summary>Thrown by <see cref="GradCheck.Assert"/> when analytical and numerical gradients disagree.</summary>
public sealed class GradCheckException(string message) : Exception(message);

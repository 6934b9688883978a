using System.Globalization;
using Cac.Cli.Commands;

namespace Cac.Cli.Reproduce;

/// <summary>
/// The `cac train` command line that trains a row by hand: every option of its <see cref="TrainCommand.TrainSettings"/>
/// that defines the run, defaults included so that the line reads as the recipe (the threshold-learning options only where
/// they differ from their defaults); parsing the line gives the settings back
/// (Cac.Tests/Cli/ReproduceCommandTests.cs checks it).
/// </summary>
internal static class TrainCommandLine
{
    // Settings whose optional parameters hold their defaults (the required ones do not matter here).
    private static readonly TrainCommand.TrainSettings OptionalDefaults = new("", "", null, 1, 1, 1, "constant", 0, 0, null, 0, null);

    /// <summary>The arguments after `cac`, e.g. ["train", "--model", "cac-resnet20", ...].</summary>
    public static IReadOnlyList<string> Arguments(TrainCommand.TrainSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var args = new List<string> { "train", "--model", s.Model, "--dataset", s.Dataset };
        if (s.DataDir is not null) args.AddRange(["--data", s.DataDir]);
        args.AddRange(["--epochs", Text(s.Epochs), "--batch-size", Text(s.BatchSize), "--lr", Text(s.Lr), "--schedule", s.Schedule]);
        if (s.Milestones is not null) args.AddRange(["--milestones", s.Milestones]);
        args.AddRange(["--momentum", Text(s.Momentum), "--weight-decay", Text(s.WeightDecay)]);
        if (s.Limit is int limit) args.AddRange(["--limit", Text(limit)]);
        args.AddRange(["--seed", Text(s.Seed), "--lambda", Text(s.Lambda)]);
        if (s.ThresholdLrScale != 1) args.AddRange(["--threshold-lr-scale", Text(s.ThresholdLrScale)]);
        var defaults = OptionalDefaults;
        if (s.ThresholdGradient != defaults.ThresholdGradient) args.AddRange(["--threshold-gradient", s.ThresholdGradient]);
        if (s.ThresholdTemperature != defaults.ThresholdTemperature) args.AddRange(["--threshold-temperature", Text(s.ThresholdTemperature)]);
        if (s.ThresholdLrNorm != defaults.ThresholdLrNorm) args.AddRange(["--threshold-lr-norm", s.ThresholdLrNorm ? "true" : "false"]);
        if (s.LambdaWarmup != defaults.LambdaWarmup) args.AddRange(["--lambda-warmup", Text(s.LambdaWarmup)]);
        if (s.LambdaRamp != defaults.LambdaRamp) args.AddRange(["--lambda-ramp", Text(s.LambdaRamp)]);
        if (s.BnRecalibrate != defaults.BnRecalibrate) args.AddRange(["--bn-recalibrate", Text(s.BnRecalibrate)]);
        if (s.CalibrateSharpRatio is double r) args.AddRange(["--calibrate-sharp-ratio", Text(r)]);
        if (s.CalibrateMadds is double m) args.AddRange(["--calibrate-madds", Text(m)]);
        if (s.Adversarial is not null)
            args.AddRange(["--adversarial", s.Adversarial, "--adv-steps", Text(s.AdvSteps), "--adv-eps", Text(s.AdvEps), "--adv-step-size", Text(s.AdvStepSize)]);
        if (s.Init is not null) args.AddRange(["--init", s.Init]);
        args.AddRange(["--device", s.Device, "--cpu-kernels", s.CpuKernels]);
        if (s.OutDir is not null) args.AddRange(["--out", s.OutDir]);
        return args;
    }

    /// <summary>The command line as one shell line, e.g. <c>cac train --model resnet20 ... --out runs/x/rows/resnet20</c>.</summary>
    public static string Format(TrainCommand.TrainSettings s) => "cac " + string.Join(" ", Arguments(s).Select(Quote));

    private static string Text(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);

    // Single quotes around anything a POSIX shell would split or expand.
    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_.,/=:+".Contains(c)) ? arg : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

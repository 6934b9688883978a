using System.Globalization;
using Cac.Cli.Commands;

namespace Cac.Cli.Training;

/// <summary>
/// The settings of a resumed run (`cac train --resume DIR`): the saved run's settings, with the options given on the
/// command line checked against them. Options that define the run (model, dataset, batch size, lr, schedule, momentum,
/// weight decay, multistep milestones, limit, seed, lambda, threshold lr scale, calibration targets, CAC sample point, octave alpha) must be left out or equal the saved value, else an error names the option and both
/// values. --epochs may be raised (cosine and the default multistep milestones are then computed for the new total; milestones given by
/// --milestones stay); --data, --device, --cpu-kernels, --workers and
/// --bad-images may change (where the files are and how they are read, what runs the kernels); --out must be DIR itself; --init is refused (the weights come from the state).
/// </summary>
internal static class TrainingStateSettings
{
    /// <summary>
    /// Resolves the settings of a resumed run. <paramref name="given"/> holds the options given explicitly on the command
    /// line, by option name ("--epochs") with the parsed value.
    /// </summary>
    /// <exception cref="ArgumentException">A given option conflicts with the saved run, or --epochs is below the epochs done.</exception>
    public static TrainCommand.TrainSettings Resolve(TrainingState state, string dir, IReadOnlyDictionary<string, object?> given)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(given);
        var saved = state.Document.Settings;
        var s = saved with { OutDir = dir };
        foreach (var (option, value) in given)
        {
            switch (option)
            {
                case "--model": Same(option, value, saved.Model, ignoreCase: true); break;
                case "--dataset": Same(option, value, saved.Dataset, ignoreCase: true); break;
                case "--schedule": Same(option, value, saved.Schedule, ignoreCase: true); break;
                case "--batch-size": Same(option, value, saved.BatchSize); break;
                case "--lr": Same(option, value, saved.Lr); break;
                case "--momentum": Same(option, value, saved.Momentum); break;
                case "--weight-decay": Same(option, value, saved.WeightDecay); break;
                case "--limit": Same(option, value, saved.Limit); break;
                case "--seed": Same(option, value, saved.Seed); break;
                case "--lambda": Same(option, value, saved.Lambda); break;
                case "--threshold-lr-scale": Same(option, value, saved.ThresholdLrScale); break;
                case "--calibrate-sharp-ratio": Same(option, value, saved.CalibrateSharpRatio); break;
                case "--calibrate-madds": Same(option, value, saved.CalibrateMadds); break;
                case "--milestones": SameMilestones((string?)value); break;
                case "--cac-sample": Same(option, value, saved.CacSample, ignoreCase: true); break;
                case "--alpha": Same(option, value, saved.Alpha); break;
                case "--lambda-warmup": Same(option, value, saved.LambdaWarmup); break;
                case "--lambda-ramp": Same(option, value, saved.LambdaRamp); break;
                case "--threshold-lr-norm": Same(option, value, saved.ThresholdLrNorm); break;
                case "--threshold-gradient": Same(option, value, saved.ThresholdGradient, ignoreCase: true); break;
                case "--threshold-temperature": Same(option, value, saved.ThresholdTemperature); break;
                case "--adversarial": Same(option, value, saved.Adversarial, ignoreCase: true); break;
                case "--adv-steps": Same(option, value, saved.AdvSteps); break;
                case "--adv-eps": Same(option, value, saved.AdvEps); break;
                case "--adv-step-size": Same(option, value, saved.AdvStepSize); break;
                case "--task": Same(option, value, saved.Task, ignoreCase: true); break;
                case "--bn-recalibrate": s = s with { BnRecalibrate = (int)value! }; break;
                case "--epochs":
                    int epochs = (int)value!;
                    if (epochs < state.Document.EpochsDone)
                        throw new ArgumentException($"--resume {dir}: --epochs {epochs} is below the {state.Document.EpochsDone} epoch(s) already trained");
                    s = s with { Epochs = epochs };
                    break;
                case "--data": s = s with { DataDir = (string?)value }; break;
                case "--device": s = s with { Device = (string)value! }; break;
                case "--cpu-kernels": s = s with { CpuKernels = (string)value! }; break;
                case LoaderOptions.WorkersName: s = s with { Workers = (int)value! }; break;
                case LoaderOptions.BadImagesName: s = s with { BadImages = (string)value! }; break;
                case "--out":
                    if (value is string o && Path.GetFullPath(o).TrimEnd(Path.DirectorySeparatorChar) != Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar))
                        throw new ArgumentException($"--resume {dir}: --out {o} differs from the resumed directory; a resumed run writes to {dir} (leave --out out)");
                    break;
                case "--init":
                    throw new ArgumentException($"--resume {dir}: --init {value} conflicts with --resume (the weights come from the saved state; leave --init out)");
                default:
                    throw new ArgumentException($"--resume: unknown option '{option}'");
            }
        }
        return s;

        // Compared as lists ("160, 240" equals "160,240"); a run saved without --milestones keeps its default (50% and 75% of --epochs).
        void SameMilestones(string? value)
        {
            bool equal = value is not null && saved.Milestones is not null && Milestones.Parse(value).SequenceEqual(Milestones.Parse(saved.Milestones));
            if (!equal)
                throw new ArgumentException($"--resume {dir}: --milestones {value} conflicts with the saved run's --milestones " +
                                            $"{saved.Milestones ?? "(none: 50% and 75% of --epochs)"} (from {state.Path}); leave --milestones out to keep the saved value, or start a new run");
        }

        void Same<T>(string option, object? value, T savedValue, bool ignoreCase = false)
        {
            bool equal = ignoreCase && value is string a && savedValue is string b
                ? string.Equals(a, b, StringComparison.OrdinalIgnoreCase)
                : Equals(value, savedValue);
            if (!equal)
                throw new ArgumentException($"--resume {dir}: {option} {Format(value)} conflicts with the saved run's {option} {Format(savedValue)} " +
                                            $"(from {state.Path}); leave {option} out to keep the saved value, or start a new run");
        }
    }

    private static string Format(object? value) => value switch
    {
        null => "(none)",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

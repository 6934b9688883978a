using System.CommandLine;
using Cac.Data;

namespace Cac.Cli.Commands;

/// <summary>
/// The data-loading options shared by `cac train` and `cac eval`: --workers (batches decoded at once on background
/// tasks) and --bad-images (stop at, or skip and count, an unreadable image or an empty class folder of an image-folder
/// dataset). They change how files are read, not the run: a resumed run may change them.
/// </summary>
internal static class LoaderOptions
{
    /// <summary>The --workers option's name.</summary>
    public const string WorkersName = "--workers";

    /// <summary>The --bad-images option's name.</summary>
    public const string BadImagesName = "--bad-images";

    /// <summary>The two options, to add to a command.</summary>
    public static Option[] Create()
    {
        var workers = new Option<int>(WorkersName)
        {
            Description = "Batches prepared at once on background loader threads (reading, decoding, transforming): memory holds that many batches besides the one in use",
            DefaultValueFactory = _ => 2,
        };
        var badImages = new Option<string>(BadImagesName)
        {
            Description = "Image folders: at an unreadable, truncated or non-image file (or an empty class folder, a directory link loop) " +
                          "stop with an error naming it, or skip it (each reported, counted at the end)",
            DefaultValueFactory = _ => "stop",
        };
        badImages.AcceptOnlyFromAmong("stop", "skip");
        return [workers, badImages];
    }

    /// <summary>The policy an option value names (case-insensitive).</summary>
    public static BadSamplePolicy ParsePolicy(string value) => value.ToLowerInvariant() switch
    {
        "stop" => BadSamplePolicy.Stop,
        "skip" => BadSamplePolicy.Skip,
        _ => throw new ArgumentException($"{BadImagesName} must be stop or skip, got '{value}'"),
    };

    /// <summary>Throws ArgumentException for a worker count below 1 or an unknown policy.</summary>
    public static void Validate(int workers, string badImages)
    {
        if (workers < 1) throw new ArgumentException($"{WorkersName} must be at least 1, got {workers}");
        ParsePolicy(badImages);
    }

    private const int ReportedProblems = 20;

    /// <summary>
    /// Writes to <paramref name="error"/> what the loaders' dataset scans and passes skipped: the first problems, each
    /// naming its file or folder, and the counts. Nothing when nothing was skipped.
    /// </summary>
    public static void ReportSkipped(TextWriter error, params DataLoader[] loaders)
    {
        var scanProblems = loaders.Select(l => l.Dataset).Distinct().OfType<StreamingImageFolderDataset>().SelectMany(d => d.Scan.Problems).ToList();
        var readProblems = loaders.SelectMany(l => l.Skipped).ToList();
        if (scanProblems.Count + readProblems.Count == 0) return;
        foreach (var problem in scanProblems.Concat(readProblems).Take(ReportedProblems)) error.WriteLine($"skipped: {problem}");
        if (scanProblems.Count + readProblems.Count > ReportedProblems) error.WriteLine($"... and {scanProblems.Count + readProblems.Count - ReportedProblems} more");
        error.WriteLine($"skipped {readProblems.Count} unreadable image read(s) and {scanProblems.Count} problem(s) in the folder tree ({BadImagesName} skip)");
    }
}

using System.CommandLine;
using Cac.Cli.Commands;

namespace Cac.Cli;

/// <summary>Entry point of the `cac` command.</summary>
public static class Program
{
    /// <summary>Parses the command line and runs the chosen verb. Errors print one clear line, not a stack trace (set CAC_DEBUG=1 for it).</summary>
    public static int Main(string[] args)
    {
        var parse = BuildRoot().Parse(args);
        try
        {
            // Exceptions reach the handler below (System.CommandLine's default handler would print a stack trace).
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("CAC_DEBUG") != "1")
        {
            Console.Error.WriteLine($"error: {Describe(e)}");
            return 1;
        }
    }

    /// <summary>The `cac` command with all its verbs. Parsing a command line with it runs nothing; each verb's SettingsFrom reads the result.</summary>
    internal static RootCommand BuildRoot() => new("Cac: content-aware convolutional networks, from scratch in C#")
    {
        TrainCommand.Create(),
        MaddsCommand.Create(),
        VisualizeCommand.Create(),
        BenchCommand.Create(),
        DevicesCommand.Create(),
        PredictCommand.Create(),
        EvalCommand.Create(),
        ModelsCommand.Create(),
        DownloadCommand.Create(),
    };

    private static string Describe(Exception e) => e is AggregateException { InnerExceptions.Count: 1 } a ? Describe(a.InnerExceptions[0]) : e.Message;
}

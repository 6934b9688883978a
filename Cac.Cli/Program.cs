using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Cac.Cli.Commands;

namespace Cac.Cli;

/// <summary>Entry point of the `cac` command.</summary>
public static class Program
{
    /// <summary>Parses the command line and runs the chosen verb. Errors print one clear line, not a stack trace (set CAC_DEBUG=1 for it).</summary>
    public static int Main(string[] args)
    {
        var parse = BuildRoot().Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            // One line on stderr; the typo suggestions and the command's help still go to stdout.
            Console.Error.WriteLine($"error: {Describe(parse.Errors)}");
            return parse.Invoke(new InvocationConfiguration { Error = TextWriter.Null });
        }
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
        AttackCommand.Create(),
        ModelsCommand.Create(),
        DownloadCommand.Create(),
        ReproduceCommand.Create(),
        MakeDatasetCommand.Create(),
    };

    private static string Describe(Exception e) => e is AggregateException { InnerExceptions.Count: 1 } a ? Describe(a.InnerExceptions[0]) : e.Message;

    // System.CommandLine's parse errors in one line: each message unwrapped ("Must be one of:" lists its choices on lines of
    // their own) and, where it does not name its option ("Argument 'x' not recognized"), prefixed with the option's name.
    private static string Describe(IReadOnlyList<ParseError> errors) => string.Join(" ", errors.Select(error =>
    {
        string message = string.Join(" ", error.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        string? option = error.SymbolResult switch
        {
            OptionResult o => o.Option.Name,
            ArgumentResult { Parent: OptionResult o } => o.Option.Name,
            _ => null,
        };
        return option is null || message.Contains(option, StringComparison.Ordinal) ? message : $"{option}: {message}";
    }));
}

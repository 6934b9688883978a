namespace Cac.Cli;

/// <summary>Entry point of the cac command.</summary>
public static class Program
{
    /// <summary>Runs the command line.</summary>
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("cac: commands are being built");
        return 1;
    }
}

using System.CommandLine;

namespace Cac.Cli.Commands;

/// <summary>
/// `cac make-dataset KIND ...`: builds a dataset on this machine from files it already has, one subcommand per kind
/// (each in its own file): fashion-mnist-folder (<see cref="MakeFashionMnistFolderCommand"/>).
/// </summary>
internal static class MakeDatasetCommand
{
    public static Command Create() => new("make-dataset", "Build a dataset offline from data already on this machine")
    {
        MakeFashionMnistFolderCommand.Create(),
    };
}

using Cac.Cli.Commands;

namespace Cac.Cli.Reproduce;

/// <summary>A row of a reproduction as the report shows it: the paper's row, its `cac train` settings, and our result if it ran.</summary>
/// <param name="Row">The table's row.</param>
/// <param name="Settings">The settings it trains with (its directory in <c>OutDir</c>).</param>
/// <param name="Selected">Whether this invocation trains it (the others are listed with their command).</param>
/// <param name="Result">What it measured; null when it has not finished.</param>
/// <param name="Attacks">Table 5: the attacks on the trained row that have finished, in column order (null or empty: none).</param>
internal sealed record ReproduceEntry(ReproduceRow Row, TrainCommand.TrainSettings Settings, bool Selected, RowResult? Result,
    IReadOnlyList<AttackResult>? Attacks = null);

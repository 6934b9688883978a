using System.Globalization;
using System.Reflection;
using System.Text;

namespace Cac.Cli.Reports;

/// <summary>A run's settings as (name, value) text pairs for the report, read from a settings record's public properties.</summary>
internal static class ReportSettings
{
    /// <summary>
    /// Every public instance property of <paramref name="settings"/> in declaration order, named in words
    /// ("BatchSize" becomes "batch size") and formatted invariantly; null values read "(none)".
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> From(object settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.GetType()
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0)
            .OrderBy(p => p.MetadataToken)
            .Select(p => new KeyValuePair<string, string>(Words(p.Name), Format(p.GetValue(settings))))
            .ToList();
    }

    /// <summary>Invariant text of a setting's value.</summary>
    public static string Format(object? value) => value switch
    {
        null => "(none)",
        bool b => b ? "yes" : "no",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    // "WeightDecay" -> "weight decay", "Lr" -> "lr".
    private static string Words(string pascal)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < pascal.Length; i++)
        {
            char c = pascal[i];
            if (char.IsUpper(c) && i > 0 && !char.IsUpper(pascal[i - 1])) sb.Append(' ');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}

namespace Cac.Data;

/// <summary>
/// A known dataset's files were found in none of the places searched. The message lists every place
/// and says how to get the data.
/// </summary>
public class DatasetNotFoundException : IOException
{
    /// <summary>Creates the exception.</summary>
    public DatasetNotFoundException(string datasetName, IReadOnlyList<string> searched, string message)
        : base(message)
    {
        DatasetName = datasetName;
        Searched = searched;
    }

    /// <summary>The dataset asked for ("fashion-mnist").</summary>
    public string DatasetName { get; }

    /// <summary>The directories searched, in order.</summary>
    public IReadOnlyList<string> Searched { get; }
}

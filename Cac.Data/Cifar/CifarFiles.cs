namespace Cac.Data;

/// <summary>Where one split of a CIFAR dataset was found.</summary>
/// <param name="Directory">The directory holding the files.</param>
/// <param name="Files">The binary batch files of the split, in order (data_batch_1.bin .. data_batch_5.bin; train.bin).</param>
/// <param name="ClassNamesPath">The class-name file (batches.meta.txt, fine_label_names.txt) when present.</param>
/// <param name="Variant">The record layout and label used.</param>
public sealed record CifarFiles(string Directory, IReadOnlyList<string> Files, string? ClassNamesPath, CifarVariant Variant);

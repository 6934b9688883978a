namespace Cac.Data;

/// <summary>The contents of an IDX image file: <see cref="Count"/> grey images of Rows x Columns bytes.</summary>
/// <param name="Count">Number of images.</param>
/// <param name="Rows">Image height.</param>
/// <param name="Columns">Image width.</param>
/// <param name="Pixels">Row-major pixels, (Count, Rows, Columns), 0..255.</param>
public sealed record IdxImages(int Count, int Rows, int Columns, byte[] Pixels);

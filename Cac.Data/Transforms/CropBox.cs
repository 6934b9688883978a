namespace Cac.Data;

/// <summary>A rectangle of an image in pixels: rows [Top, Top + Height), columns [Left, Left + Width).</summary>
/// <param name="Top">First row.</param>
/// <param name="Left">First column.</param>
/// <param name="Height">Rows.</param>
/// <param name="Width">Columns.</param>
public readonly record struct CropBox(int Top, int Left, int Height, int Width)
{
    /// <summary>The whole of an image of shape <paramref name="shape"/>.</summary>
    public static CropBox Whole(ImageShape shape) => new(0, 0, shape.Height, shape.Width);

    /// <summary>Throws ArgumentException unless the box is non-empty and inside an image of shape <paramref name="shape"/>.</summary>
    public void CheckInside(ImageShape shape, string op)
    {
        if (Height <= 0 || Width <= 0 || Top < 0 || Left < 0 || Top + Height > shape.Height || Left + Width > shape.Width)
            throw new ArgumentException($"{op}: box {this} is empty or outside an image of shape {shape}");
    }
}

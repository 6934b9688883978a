namespace Cac.Data;

/// <summary>How <see cref="ImageFolderDataset.Open"/> reads the images.</summary>
/// <param name="Channels">Channels of every image: 1 (grey) or 3 (RGB); files are converted as needed.</param>
/// <param name="Height">Resize every image (bilinear) to this height; null (with <paramref name="Width"/> null) requires all images to have one size.</param>
/// <param name="Width">Resize every image to this width; given together with <paramref name="Height"/>.</param>
/// <param name="Eager">Decode every image when opening and keep the floats in memory (C * H * W * 4 bytes per image);
/// otherwise each read decodes the file again and only the headers are read when opening.</param>
public sealed record ImageFolderOptions(int Channels = 3, int? Height = null, int? Width = null, bool Eager = false);

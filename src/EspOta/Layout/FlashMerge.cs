namespace EspOta.Layout;

/// <summary>
/// esptool <c>merge_bin</c> (v4.8.1, <c>esptool/cmds.py</c>) for raw <c>ADDRESS FILE</c> pairs: the
/// inputs sorted by address, none overlapping, the gaps erased (0xFF); the output ends with the last
/// input unless <c>--fill-flash-size</c> pads it to the whole flash with 0xFF.
/// </summary>
public static class FlashMerge
{
    /// <summary>Merges <paramref name="inputs"/> into one image.</summary>
    /// <param name="inputs">Each input and its flash address.</param>
    /// <param name="fillFlashSize">Pad the output to this size with 0xFF, or null for no padding.</param>
    /// <exception cref="EspException"><see cref="EspError.InvalidSize"/> when two inputs overlap or the inputs do not fit <paramref name="fillFlashSize"/>; <see cref="EspError.InvalidArg"/> for no inputs or a negative address.</exception>
    public static byte[] Merge(IEnumerable<FlashPlacement> inputs, long? fillFlashSize = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var sorted = inputs.OrderBy(p => p.Offset).ToList();
        if (sorted.Count == 0)
        {
            throw new EspException(EspError.InvalidArg, "merge needs at least one ADDRESS FILE pair");
        }

        if (sorted[0].Offset < 0)
        {
            throw new EspException(EspError.InvalidArg, $"{sorted[0].What}: negative address 0x{sorted[0].Offset:x}");
        }

        for (int i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].Offset < sorted[i - 1].End)
            {
                // esptool's wording for the same refusal.
                throw new EspException(EspError.InvalidSize, $"Detected overlap at address: 0x{sorted[i].Offset:x} for file: {sorted[i].What}");
            }
        }

        long end = sorted[^1].End;
        long size = fillFlashSize ?? end;
        if (end > size)
        {
            throw new EspException(EspError.InvalidSize, $"the inputs end at 0x{end:x}, past the --fill-flash-size of 0x{size:x}");
        }

        if (size > Array.MaxLength)
        {
            throw new EspException(EspError.InvalidSize, $"an image of 0x{size:x} bytes is too large");
        }

        var image = new byte[size];
        image.AsSpan().Fill(0xFF);
        foreach (var p in sorted)
        {
            p.Data.Span.CopyTo(image.AsSpan((int)p.Offset));
        }

        return image;
    }
}

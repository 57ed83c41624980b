namespace EspOta.Delta;

/// <summary>One decompressor of the patch stream after the header (detools' <c>patch_reader</c>).</summary>
internal abstract class PatchReader
{
    /// <summary>
    /// Decompresses up to <paramref name="destination"/>.Length bytes, taking patch bytes from
    /// <paramref name="cursor"/>; returns how many were produced, 0 when more patch data is needed.
    /// Throws <see cref="DetoolsFailure"/>.
    /// </summary>
    public abstract int Decompress(ref PatchCursor cursor, Span<byte> destination);

    /// <summary>detools' <c>destroy</c>: whether the stream ended cleanly.</summary>
    public abstract DetoolsError Finish();

    /// <summary>Writes the reader's state.</summary>
    public abstract void Save(BinaryWriter writer);
}

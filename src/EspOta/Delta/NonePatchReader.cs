namespace EspOta.Delta;

/// <summary>
/// <c>none</c>: the stream is the patch bytes themselves, bounded by the patch size the applier was
/// given. Without a size (esp_delta_ota passes 0) detools' bound underflows: nothing is refused while
/// reading, and the end check always fails with "Corrupt patch." — reproduced here.
/// </summary>
internal sealed class NonePatchReader(long limit) : PatchReader
{
    private long _offset;

    /// <summary>The bound, or -1 when the patch size is unknown.</summary>
    public long Limit { get; } = limit;

    public static NonePatchReader Load(BinaryReader reader) => new(reader.ReadInt64()) { _offset = reader.ReadInt64() };

    public override int Decompress(ref PatchCursor cursor, Span<byte> destination)
    {
        if (Limit >= 0 && _offset + destination.Length > Limit)
        {
            throw new DetoolsFailure(DetoolsError.CorruptPatch, $"{destination.Length} bytes asked for at stream offset {_offset}, the patch has {Limit}");
        }

        int n = cursor.Read(destination);
        _offset += n;
        return n;
    }

    public override DetoolsError Finish() =>
        Limit >= 0 && _offset == Limit ? DetoolsError.Ok : DetoolsError.CorruptPatch;

    public override void Save(BinaryWriter writer)
    {
        writer.Write(Limit);
        writer.Write(_offset);
    }
}

namespace EspOta.Layout;

/// <summary>One input of a composed flash image: what it is and where it goes.</summary>
/// <param name="What">"bootloader", "partition-table" or the partition label.</param>
/// <param name="Offset">Flash address of its first byte.</param>
/// <param name="Data">Its bytes.</param>
public sealed record FlashPlacement(string What, long Offset, ReadOnlyMemory<byte> Data)
{
    /// <summary>Bytes placed.</summary>
    public int Length => Data.Length;

    /// <summary>One past the last byte placed.</summary>
    public long End => Offset + Data.Length;
}

namespace EspOta.Partitions;

/// <summary>One row of a partition table (<c>esp_partition_info_t</c> decoded).</summary>
/// <param name="Label">Name, at most 16 bytes of UTF-8.</param>
/// <param name="Type">Type byte.</param>
/// <param name="Subtype">Subtype byte (meaning depends on <paramref name="Type"/>).</param>
/// <param name="Offset">Start address on flash.</param>
/// <param name="Size">Length in bytes.</param>
/// <param name="Flags">Flags word.</param>
public sealed record Partition(string Label, PartitionType Type, byte Subtype, uint Offset, uint Size, PartitionFlags Flags = PartitionFlags.None)
{
    /// <summary>End address (exclusive).</summary>
    public long End => (long)Offset + Size;

    /// <summary>An app partition (type 0).</summary>
    public bool IsApp => Type == PartitionType.App;

    /// <summary>app/factory.</summary>
    public bool IsFactory => IsApp && Subtype == PartitionSubtypes.AppFactory;

    /// <summary>app/test.</summary>
    public bool IsTest => IsApp && Subtype == PartitionSubtypes.AppTest;

    /// <summary>An OTA app slot (app/ota_0 … ota_15).</summary>
    public bool IsOtaSlot => IsApp && Subtype is >= PartitionSubtypes.AppOtaMin and <= PartitionSubtypes.AppOtaMax;

    /// <summary>The OTA slot number (0…15), or null when this is not an OTA slot.</summary>
    public int? OtaSlot => IsOtaSlot ? Subtype - PartitionSubtypes.AppOtaMin : null;

    /// <summary>The otadata partition (data/ota).</summary>
    public bool IsOtaData => Type == PartitionType.Data && Subtype == PartitionSubtypes.DataOta;

    /// <summary>Whether the <c>encrypted</c> flag is set.</summary>
    public bool IsEncrypted => (Flags & PartitionFlags.Encrypted) != 0;

    /// <summary>Whether the <c>readonly</c> flag is set.</summary>
    public bool IsReadOnly => (Flags & PartitionFlags.ReadOnly) != 0;

    /// <summary>True when <paramref name="address"/> lies inside this partition.</summary>
    public bool Contains(long address) => address >= Offset && address < End;

    /// <inheritdoc />
    public override string ToString() => $"{Label} (type 0x{(byte)Type:x2}, subtype 0x{Subtype:x2}, 0x{Offset:x}+0x{Size:x})";
}

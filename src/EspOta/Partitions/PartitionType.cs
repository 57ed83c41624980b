namespace EspOta.Partitions;

/// <summary>
/// The partition type byte (<c>esp_partition_type_t</c>). Any other value is a legal custom type
/// and round-trips as is.
/// </summary>
public enum PartitionType : byte
{
    /// <summary><c>app</c> (0x00).</summary>
    App = 0x00,
    /// <summary><c>data</c> (0x01).</summary>
    Data = 0x01,
    /// <summary><c>bootloader</c> (0x02).</summary>
    Bootloader = 0x02,
    /// <summary><c>partition_table</c> (0x03).</summary>
    PartitionTable = 0x03,
}

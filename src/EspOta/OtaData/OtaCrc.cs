namespace EspOta.OtaData;

/// <summary>
/// The one home of the otadata checksum: the ROM's <c>esp_rom_crc32_le</c> (reflected CRC-32,
/// polynomial 0xEDB88320), which inverts the value passed in and inverts the result.
/// </summary>
/// <remarks>
/// <c>bootloader_common_ota_select_crc</c> (bootloader_common_loader.c) passes 0xFFFFFFFF, so the
/// shift register starts at 0 rather than at the 0xFFFFFFFF of standard CRC-32; for a 4-byte input
/// that makes it <c>crc32(bytes) ^ 0xDEBB20E3</c>.
/// </remarks>
public static class OtaCrc
{
    /// <summary>The value <c>bootloader_common_ota_select_crc</c> passes as the running CRC.</summary>
    public const uint OtaSelectSeed = 0xFFFFFFFF;

    private const uint Polynomial = 0xEDB88320;

    private static readonly uint[] Table = BuildTable();

    /// <summary><c>esp_rom_crc32_le(crc, data, len)</c>.</summary>
    public static uint Crc32Le(uint crc, ReadOnlySpan<byte> data)
    {
        uint register = ~crc;
        foreach (byte b in data)
        {
            register = Table[(register ^ b) & 0xFF] ^ (register >> 8);
        }

        return ~register;
    }

    /// <summary>The CRC stored in an otadata entry: over the 4 little-endian bytes of <paramref name="sequence"/> only.</summary>
    public static uint ForSequence(uint sequence)
    {
        Span<byte> bytes = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes, sequence);
        return Crc32Le(OtaSelectSeed, bytes);
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? Polynomial ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}

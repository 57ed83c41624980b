using EspOta.OtaData;

namespace EspOta.Tests.OtaData;

public sealed class OtaCrcTests
{
    // Known answers from vectors/otadata/README.md §5 (values the ESP-IDF C code stored).
    [Theory]
    [InlineData(1u, 0x4743989Au)]
    [InlineData(2u, 0x55F63774u)]
    [InlineData(3u, 0xED4A5011u)]
    [InlineData(0u, 0xFFFFFFFFu)]
    [InlineData(0xFFFFFFFFu, 0x2144DF1Cu)]
    [InlineData(0xFFFFFFFEu, 0x99F8B879u)]
    public void ForSequence_KnownSequence_MatchesRomCrc(uint sequence, uint expected)
    {
        Assert.Equal(expected, OtaCrc.ForSequence(sequence));
    }

    [Fact]
    public void Crc32Le_StandardSeedZero_EqualsStandardCrc32()
    {
        // Passing 0 makes the ROM function the ordinary CRC-32 (check value of "123456789" is 0xCBF43926).
        Assert.Equal(0xCBF43926u, OtaCrc.Crc32Le(0, "123456789"u8));
    }
}

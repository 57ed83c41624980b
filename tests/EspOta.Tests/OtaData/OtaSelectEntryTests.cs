using CsCheck;
using EspOta.OtaData;

namespace EspOta.Tests.OtaData;

public sealed class OtaSelectEntryTests
{
    [Fact]
    public void Create_SeqOneNew_EncodesReadmeExample()
    {
        var entry = OtaSelectEntry.Create(1, OtaImageState.New);

        Assert.Equal("01000000" + string.Concat(Enumerable.Repeat("ff", 20)) + "00000000" + "9a984347", Convert.ToHexStringLower(entry.ToArray()));
    }

    [Fact]
    public void ReadWriteTo_Any32Bytes_RoundTripExactly()
    {
        Gen.Byte.Array[32].Sample(bytes =>
        {
            var entry = OtaSelectEntry.Read(bytes);
            Assert.Equal(bytes, entry.ToArray());
            Assert.Equal(entry, OtaSelectEntry.Read(entry.ToArray()));
        }, iter: 2000, seed: "0N0XIzNsQ0O2");
    }

    [Fact]
    public void Read_ErasedSector_IsEmptyAndNotValid()
    {
        var entry = OtaSelectEntry.Read(Enumerable.Repeat((byte)0xFF, 32).ToArray());

        Assert.Equal(OtaSelectEntry.Erased, entry);
        Assert.True(entry.IsMarkedInvalid);
        Assert.True(entry.IsEmptyOrCorrupt);
        Assert.False(entry.IsValid);
        Assert.Equal(OtaImageState.Undefined, entry.State);
    }

    [Fact]
    public void IsValid_SeqZeroWithFfCrc_IsValidAndSelectsLastSlot()
    {
        // README §8.2: CRC(0) = 0xFFFFFFFF, so 00000000 + 28 x FF is a valid entry for slot 0xFFFFFFFF % count.
        var bytes = Enumerable.Repeat((byte)0xFF, 32).ToArray();
        bytes.AsSpan(0, 4).Clear();
        var entry = OtaSelectEntry.Read(bytes);

        Assert.True(entry.IsValid);
        Assert.Equal(1, entry.SlotIndex(2));
        Assert.Equal(0, entry.SlotIndex(3));
        Assert.Equal(15, entry.SlotIndex(16));
    }

    [Theory]
    [InlineData(OtaImageState.Invalid)]
    [InlineData(OtaImageState.Aborted)]
    public void IsMarkedInvalid_RejectedStateWithGoodCrc_NotValid(OtaImageState state)
    {
        var entry = OtaSelectEntry.Create(5, state);

        Assert.True(entry.IsCrcValid);
        Assert.True(entry.IsMarkedInvalid);
        Assert.False(entry.IsValid);
        Assert.False(entry.IsEmptyOrCorrupt);
    }

    [Fact]
    public void WithState_TornCrc_KeepsBadCrcAndLabel()
    {
        var label = Enumerable.Range(1, 20).Select(i => (byte)i).ToArray();
        var entry = new OtaSelectEntry(7, label, OtaImageState.PendingVerify, 0x12345678);

        var aborted = entry.WithState(OtaImageState.Aborted);

        Assert.Equal(0x12345678u, aborted.Crc);
        Assert.Equal(label, aborted.Label.ToArray());
        Assert.Equal(OtaImageState.Aborted, aborted.State);
    }

    [Fact]
    public void State_NonEnumRawValue_RoundTrips()
    {
        var entry = new OtaSelectEntry(1, new byte[20], (OtaImageState)0x1234, OtaCrc.ForSequence(1));

        Assert.Equal(0x1234u, (uint)OtaSelectEntry.Read(entry.ToArray()).State);
    }
}

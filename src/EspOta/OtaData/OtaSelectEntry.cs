using System.Buffers.Binary;

namespace EspOta.OtaData;

/// <summary>
/// One copy of the OTA selection, the on-flash <c>esp_ota_select_entry_t</c> (32 bytes, at the start
/// of each otadata sector; <c>esp_flash_partitions.h</c>).
/// </summary>
/// <param name="Sequence"><c>ota_seq</c>: the slot is <c>(seq - 1) % count</c>; 0xFFFFFFFF means "empty".</param>
/// <param name="Label"><c>seq_label</c>: 20 opaque bytes, never interpreted, carried along by rewrites.</param>
/// <param name="State"><c>ota_state</c>, raw.</param>
/// <param name="Crc"><c>crc</c> as stored (see <see cref="OtaCrc.ForSequence"/>).</param>
public readonly record struct OtaSelectEntry(uint Sequence, ReadOnlyMemory<byte> Label, OtaImageState State, uint Crc)
{
    /// <summary>Size of the structure on flash.</summary>
    public const int Size = 32;

    /// <summary>Length of <c>seq_label</c>.</summary>
    public const int LabelLength = 20;

    /// <summary>The sequence value of an erased entry, which no valid entry may carry.</summary>
    public const uint EmptySequence = 0xFFFFFFFF;

    // Layout of esp_ota_select_entry_t, each field at the previous offset + previous length.
    private const int SequenceOffset = 0;
    private const int LabelOffset = SequenceOffset + 4;
    private const int StateOffset = LabelOffset + LabelLength;
    private const int CrcOffset = StateOffset + 4;

    private static readonly byte[] ErasedLabel = Enumerable.Repeat((byte)0xFF, LabelLength).ToArray();

    /// <summary>An erased entry (32 bytes of 0xFF).</summary>
    public static OtaSelectEntry Erased => new(EmptySequence, ErasedLabel, OtaImageState.Undefined, 0xFFFFFFFF);

    /// <summary>An entry with a correct CRC for <paramref name="sequence"/>; the label defaults to 0xFF bytes.</summary>
    public static OtaSelectEntry Create(uint sequence, OtaImageState state, ReadOnlyMemory<byte>? label = null)
    {
        var l = label ?? ErasedLabel;
        if (l.Length != LabelLength)
        {
            throw new ArgumentException($"seq_label must be {LabelLength} bytes, got {l.Length}", nameof(label));
        }

        return new OtaSelectEntry(sequence, l, state, OtaCrc.ForSequence(sequence));
    }

    /// <summary>Decodes the first <see cref="Size"/> bytes of <paramref name="data"/>.</summary>
    public static OtaSelectEntry Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < Size)
        {
            throw new ArgumentException($"esp_ota_select_entry_t needs {Size} bytes, got {data.Length}", nameof(data));
        }

        return new OtaSelectEntry(
            BinaryPrimitives.ReadUInt32LittleEndian(data[SequenceOffset..]),
            data.Slice(LabelOffset, LabelLength).ToArray(),
            (OtaImageState)BinaryPrimitives.ReadUInt32LittleEndian(data[StateOffset..]),
            BinaryPrimitives.ReadUInt32LittleEndian(data[CrcOffset..]));
    }

    /// <summary>Encodes the entry into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"esp_ota_select_entry_t needs {Size} bytes, got {destination.Length}", nameof(destination));
        }

        if (Label.Length != LabelLength)
        {
            throw new InvalidOperationException($"seq_label must be {LabelLength} bytes, got {Label.Length}");
        }

        BinaryPrimitives.WriteUInt32LittleEndian(destination[SequenceOffset..], Sequence);
        Label.Span.CopyTo(destination.Slice(LabelOffset, LabelLength));
        BinaryPrimitives.WriteUInt32LittleEndian(destination[StateOffset..], (uint)State);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[CrcOffset..], Crc);
    }

    /// <summary>The 32 bytes of the entry.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Whether <see cref="Crc"/> matches <see cref="Sequence"/>.</summary>
    public bool IsCrcValid => Crc == OtaCrc.ForSequence(Sequence);

    /// <summary>
    /// <c>bootloader_common_ota_select_invalid</c>: empty sequence, or state INVALID/ABORTED. The CRC
    /// is not looked at, so a torn entry is not "invalid" in this sense.
    /// </summary>
    public bool IsMarkedInvalid =>
        Sequence == EmptySequence || State is OtaImageState.Invalid or OtaImageState.Aborted;

    /// <summary><c>bootloader_common_ota_select_valid</c>: not <see cref="IsMarkedInvalid"/> and the CRC matches.</summary>
    public bool IsValid => !IsMarkedInvalid && IsCrcValid;

    /// <summary>Empty sequence or bad CRC: the condition the bootloader treats as "initial" otadata.</summary>
    public bool IsEmptyOrCorrupt => Sequence == EmptySequence || !IsCrcValid;

    /// <summary>The OTA slot this entry selects among <paramref name="slotCount"/> slots: <c>(seq - 1) % count</c> in u32.</summary>
    public int SlotIndex(int slotCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slotCount);
        return (int)(unchecked(Sequence - 1) % (uint)slotCount);
    }

    /// <summary>The same entry with another state (sequence, label and CRC kept, as the bootloader rewrites it).</summary>
    public OtaSelectEntry WithState(OtaImageState state) => this with { State = state };

    /// <summary>The same entry with another sequence and the CRC recomputed (label and state kept).</summary>
    public OtaSelectEntry WithSequence(uint sequence) => this with { Sequence = sequence, Crc = OtaCrc.ForSequence(sequence) };

    /// <summary>Field-wise equality, comparing the label bytes.</summary>
    public bool Equals(OtaSelectEntry other) =>
        Sequence == other.Sequence && State == other.State && Crc == other.Crc && Label.Span.SequenceEqual(other.Label.Span);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Sequence);
        hash.Add(State);
        hash.Add(Crc);
        hash.AddBytes(Label.Span);
        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"seq=0x{Sequence:x8} state={StateName(State)} crc=0x{Crc:x8}{(IsCrcValid ? "" : " (bad crc)")}";

    /// <summary>The state's ESP-IDF name, or its hex value when it is not one of the enum members.</summary>
    public static string StateName(OtaImageState state) => state switch
    {
        OtaImageState.New => "NEW",
        OtaImageState.PendingVerify => "PENDING_VERIFY",
        OtaImageState.Valid => "VALID",
        OtaImageState.Invalid => "INVALID",
        OtaImageState.Aborted => "ABORTED",
        OtaImageState.Undefined => "UNDEFINED",
        _ => $"0x{(uint)state:x8}",
    };
}

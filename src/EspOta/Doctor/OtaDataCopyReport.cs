using EspOta.OtaData;

namespace EspOta.Doctor;

/// <summary>One decoded otadata sector.</summary>
/// <param name="Copy">0 or 1.</param>
/// <param name="Address">Flash address of the sector.</param>
/// <param name="Entry">The <c>esp_ota_select_entry_t</c> at its start.</param>
/// <param name="Erased">All 32 bytes are 0xFF.</param>
/// <param name="Torn">Neither erased nor a whole entry: written bytes, but the CRC does not match the sequence (a cut write or erase).</param>
/// <param name="SelectedSlot">The OTA slot the sequence selects, <c>(seq − 1) % count</c>; null when erased or there are no slots.</param>
/// <param name="SlotImageVerifies">Whether that slot's image verifies; null when not known (no slot, or images not available).</param>
public sealed record OtaDataCopyReport(int Copy, long Address, OtaSelectEntry Entry, bool Erased, bool Torn, int? SelectedSlot, bool? SlotImageVerifies)
{
    /// <summary>The state's ESP-IDF name.</summary>
    public string StateName => OtaSelectEntry.StateName(Entry.State);

    /// <summary>The seq_label bytes shown as text when printable (otherwise hex).</summary>
    public string LabelText
    {
        get
        {
            var label = Entry.Label.Span;
            if (label.IndexOfAnyExcept((byte)0xFF) < 0)
            {
                return "(erased)";
            }

            int end = label.IndexOf((byte)0);
            var text = end < 0 ? label : label[..end];
            return text.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E) < 0 ? System.Text.Encoding.ASCII.GetString(text) : Convert.ToHexStringLower(label);
        }
    }
}

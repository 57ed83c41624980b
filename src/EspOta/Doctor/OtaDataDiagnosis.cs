namespace EspOta.Doctor;

/// <summary>What <see cref="OtaDataDoctor"/> found in an otadata partition.</summary>
public sealed record OtaDataDiagnosis
{
    /// <summary>Label of the data/ota partition.</summary>
    public required string OtaDataLabel { get; init; }

    /// <summary>OTA app slots in the table.</summary>
    public required int SlotCount { get; init; }

    /// <summary>Whether the table has a factory app.</summary>
    public required bool HasFactory { get; init; }

    /// <summary>Whether slot images were available and verified (false for a dump of the otadata partition alone).</summary>
    public required bool ImagesChecked { get; init; }

    /// <summary>Both sectors.</summary>
    public required IReadOnlyList<OtaDataCopyReport> Copies { get; init; }

    /// <summary>The copy <c>bootloader_common_get_active_otadata</c> picks (−1: none).</summary>
    public required int ActiveCopy { get; init; }

    /// <summary>Why that copy wins (or none does).</summary>
    public required string ActiveReason { get; init; }

    /// <summary>With rollback off.</summary>
    public required OtaBootPrediction RollbackOff { get; init; }

    /// <summary>With rollback on.</summary>
    public required OtaBootPrediction RollbackOn { get; init; }

    /// <summary>Hazards present: torn entries, equal sequences, an unverifiable selected image, states the bootloader treats specially.</summary>
    public required IReadOnlyList<string> Hazards { get; init; }
}

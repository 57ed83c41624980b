namespace EspOta.Boot;

/// <summary>The kinds of decision a <see cref="BootStep"/> records (bootloader_utility.c's branches).</summary>
public enum BootStepReason
{
    /// <summary>The partition table could not be read or is invalid.</summary>
    PartitionTableInvalid,

    /// <summary>The otadata partition is too small for two copies.</summary>
    OtaDataTooSmall,

    /// <summary>The partition table was read: slots, factory, otadata.</summary>
    PartitionTableRead,

    /// <summary>There is no otadata partition: the factory index is the start.</summary>
    NoOtaData,

    /// <summary>The two otadata entries as read.</summary>
    OtaDataRead,

    /// <summary>An entry still PENDING_VERIFY at boot was rewritten as ABORTED (rollback).</summary>
    PendingVerifyAborted,

    /// <summary>No usable otadata entry: the factory app (or the factory index) is the start.</summary>
    DefaultToFactory,

    /// <summary>No usable otadata entry and no factory app: ota_0 is the start.</summary>
    DefaultToOta0,

    /// <summary>The active entry selects an OTA slot.</summary>
    ActiveEntry,

    /// <summary>The active entry was NEW and was rewritten as PENDING_VERIFY.</summary>
    NewToPendingVerify,

    /// <summary>An entry was ignored because its app's secure_version is below the eFuse counter.</summary>
    EntryBelowSecureVersion,

    /// <summary>An app was skipped because it has no description or its secure_version is below the eFuse counter.</summary>
    AppBelowSecureVersion,

    /// <summary>An app did not load (image verification failed).</summary>
    ImageInvalid,

    /// <summary>An app loaded and boots.</summary>
    ImageLoaded,

    /// <summary>Nothing bootable: the chip resets.</summary>
    NothingBootable,

    /// <summary>otadata in its initial state got its first sequence number.</summary>
    InitialSequenceWritten,

    /// <summary>An anti-rollback eFuse update was attempted.</summary>
    EfuseUpdate,

    /// <summary>The factory-reset pin is held: data partitions are erased.</summary>
    FactoryReset,

    /// <summary>One partition erased by the factory reset.</summary>
    PartitionErased,

    /// <summary>The ROM found no loadable second-stage bootloader (primary, nor recovery where the chip has one): nothing runs.</summary>
    RomFoundNoBootloader,
}

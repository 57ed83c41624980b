using EspOta.Partitions;

namespace EspOta.Boot;

/// <summary>
/// The bootloader's build configuration: the Kconfig switches (rollback, anti-rollback, factory reset,
/// where the partition table is) and nothing else. The chip's state — eFuses (<see cref="Efuse"/>) and
/// the image verification policy — belongs to the device (<see cref="Device.EspDevice.Open"/>).
/// </summary>
public sealed record BootOptions
{
    /// <summary><c>CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE</c>: NEW → PENDING_VERIFY → ABORTED tracking.</summary>
    public bool Rollback { get; init; }

    /// <summary><c>CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK</c> (requires <see cref="Rollback"/>): secure_version against eFuse.</summary>
    public bool AntiRollback { get; init; }

    /// <summary><c>CONFIG_PARTITION_TABLE_OFFSET</c>.</summary>
    public uint PartitionTableOffset { get; init; } = PartitionTable.DefaultOffset;

    /// <summary>
    /// <c>CONFIG_BOOTLOADER_FACTORY_RESET</c>: a boot with the factory-reset pin held erases the
    /// <see cref="FactoryResetDataPartitions"/> (and otadata if <see cref="FactoryResetErasesOtaData"/>) first.
    /// </summary>
    public bool FactoryReset { get; init; }

    /// <summary><c>CONFIG_BOOTLOADER_OTA_DATA_ERASE</c>: a factory reset also erases otadata, so the factory app boots.</summary>
    public bool FactoryResetErasesOtaData { get; init; }

    /// <summary><c>CONFIG_BOOTLOADER_DATA_FACTORY_RESET</c>: labels of data partitions a factory reset erases.</summary>
    public IReadOnlyList<string> FactoryResetDataPartitions { get; init; } = [];

    /// <summary>Throws when the combination cannot be built (anti-rollback needs rollback, as in Kconfig).</summary>
    public void Validate()
    {
        if (AntiRollback && !Rollback)
        {
            throw new InvalidOperationException("AntiRollback requires Rollback (CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK depends on CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE)");
        }
    }
}

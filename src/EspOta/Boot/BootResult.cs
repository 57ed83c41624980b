using EspOta.Images;
using EspOta.Partitions;

namespace EspOta.Boot;

/// <summary>What one run of the second-stage bootloader did.</summary>
public sealed record BootResult
{
    /// <summary><c>FACTORY_INDEX</c>: the factory app (or "start below slot 0").</summary>
    public const int FactoryIndex = -1;

    /// <summary><c>TEST_APP_INDEX</c>.</summary>
    public const int TestIndex = -2;

    /// <summary><c>INVALID_INDEX</c>: selection failed outright (partition table or otadata unreadable).</summary>
    public const int InvalidIndex = -99;

    /// <summary>The partition whose app now runs, or null when the bootloader reset (nothing bootable).</summary>
    public Partition? Booted { get; init; }

    /// <summary>
    /// The value <c>bootloader_utility_get_selected_boot_partition</c> returned: <see cref="FactoryIndex"/>,
    /// an OTA slot 0…15, or <see cref="InvalidIndex"/>.
    /// </summary>
    public int SelectedIndex { get; init; }

    /// <summary>The booted index: <see cref="FactoryIndex"/>, <see cref="TestIndex"/> or an OTA slot; null on reset.</summary>
    public int? BootedIndex { get; init; }

    /// <summary>The running app's description (read at image offset 0x20), when it has one.</summary>
    public AppDescription? App { get; init; }

    /// <summary>The partition table the bootloader read, or null when it could not.</summary>
    public PartitionTable? Table { get; init; }

    /// <summary>True when no app could be loaded and the bootloader reset the chip.</summary>
    public bool IsReset => Booted is null;

    /// <summary>Every decision, in order, with its reason: why this app (or none) runs.</summary>
    public IReadOnlyList<BootStep> Trace { get; init; } = [];

    /// <summary>The texts of <see cref="Trace"/>.</summary>
    public IReadOnlyList<string> Steps => Trace.Select(s => s.Text).ToArray();
}

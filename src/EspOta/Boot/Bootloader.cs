using EspOta.Flash;
using EspOta.Images;
using EspOta.OtaData;
using EspOta.Partitions;

namespace EspOta.Boot;

/// <summary>
/// The second-stage bootloader's choice of app, step for step as ESP-IDF v5.5's
/// <c>bootloader_start.c</c> → <c>bootloader_utility_get_selected_boot_partition</c> →
/// <c>bootloader_utility_load_boot_image</c>: read the table, pick a start index from otadata
/// (rewriting PENDING_VERIFY → ABORTED and NEW → PENDING_VERIFY when rollback is on), then walk
/// down to the factory app and up through the OTA slots until an image loads.
/// </summary>
/// <remarks>
/// Bad flash contents never throw: they become steps of the <see cref="BootResult"/>. Only a
/// <see cref="PowerLossException"/> from the flash escapes, as the chip itself would stop.
/// </remarks>
public sealed class Bootloader
{
    private readonly IFlash _flash;
    private readonly BootOptions _options;
    private readonly IAppImageValidator _validator;
    private readonly Efuse _efuse;
    private readonly List<BootStep> _steps = [];
    private bool _used;

    // bootloader_state_t: the slots indexed by subtype & 0x0F, app_count, factory, test, ota_info.
    private readonly Partition?[] _ota = new Partition?[PartitionSubtypes.OtaSlotCount];
    private int _appCount;
    private Partition? _factory;
    private Partition? _test;
    private OtaDataPartition? _otaData;
    private bool _otaHasInitialContents;

    /// <summary>A bootloader for <paramref name="flash"/> built with <paramref name="options"/>.</summary>
    /// <param name="flash">The flash chip.</param>
    /// <param name="options">The bootloader's Kconfig (validated by the caller, e.g. <see cref="Device.EspDevice.Open"/>, or here).</param>
    /// <param name="validator">The image verification policy.</param>
    /// <param name="efuse">The chip's eFuses; null = unburnt (only anti-rollback reads them).</param>
    public Bootloader(IFlash flash, BootOptions options, IAppImageValidator validator, Efuse? efuse = null)
        : this(flash, options, validator, efuse, validated: false)
    {
    }

    /// <summary>For <see cref="Device.EspDevice"/>, which validated <paramref name="options"/> once when it was opened.</summary>
    internal Bootloader(IFlash flash, BootOptions options, IAppImageValidator validator, Efuse? efuse, bool validated)
    {
        _flash = flash ?? throw new ArgumentNullException(nameof(flash));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _validator = validator ?? throw new ArgumentNullException(nameof(validator));
        _efuse = efuse ?? new Efuse();
        if (!validated)
        {
            options.Validate();
        }
    }

    /// <summary>
    /// The index the selection returned, once it has returned (null before, e.g. when power failed
    /// inside one of its otadata rewrites).
    /// </summary>
    public int? SelectedIndex { get; private set; }

    /// <summary>The partition table read by <see cref="Boot"/>, once read.</summary>
    public PartitionTable? Table { get; private set; }

    /// <summary>Runs the whole boot: table, selection, optional factory reset, load.</summary>
    /// <param name="factoryResetPinHeld">The factory-reset GPIO is held during this boot (needs <see cref="BootOptions.FactoryReset"/>).</param>
    /// <exception cref="InvalidOperationException">This bootloader already ran: like the ROM loading it afresh at every reset, each boot needs a new one (its slot count and steps are per run).</exception>
    public BootResult Boot(bool factoryResetPinHeld = false)
    {
        if (_used)
        {
            throw new InvalidOperationException("a Bootloader runs once; create a new one for the next boot");
        }

        _used = true;
        if (!LoadPartitionTable())
        {
            SelectedIndex = BootResult.InvalidIndex;
            return Reset(BootResult.InvalidIndex);
        }

        int index = SelectBootPartition();
        if (index != BootResult.InvalidIndex && factoryResetPinHeld && _options.FactoryReset)
        {
            RunFactoryReset();
            index = SelectBootPartition();
        }

        SelectedIndex = index;
        if (index == BootResult.InvalidIndex)
        {
            return Reset(index);
        }

        return LoadBootImage(index);
    }

    private bool LoadPartitionTable()
    {
        try
        {
            Table = PartitionTable.ReadFromFlash(_flash, _options.PartitionTableOffset);
        }
        catch (PartitionTableException ex)
        {
            Step(BootStepReason.PartitionTableInvalid, $"partition table at 0x{_options.PartitionTableOffset:x} is invalid: {ex.Message}");
            return false;
        }

        foreach (var p in Table.Partitions)
        {
            if (p.IsApp)
            {
                if (p.IsFactory)
                {
                    _factory = p;
                }
                else if (p.IsTest)
                {
                    _test = p;
                }
                else if ((p.Subtype & 0xF0) == PartitionSubtypes.AppOtaMin)
                {
                    _ota[p.Subtype & 0x0F] = p;
                    _appCount++;
                }
            }
            else if (p.IsOtaData)
            {
                _otaData = p.Size >= 2 * _flash.SectorSize ? new OtaDataPartition(_flash, p) : null;
                if (_otaData is null)
                {
                    Step(BootStepReason.OtaDataTooSmall, $"otadata partition {p.Label} is 0x{p.Size:x} bytes, too small for two copies");
                    return false;
                }
            }
        }

        Step(BootStepReason.PartitionTableRead, $"partition table: {Table.Partitions.Count} partitions, {_appCount} OTA app slot(s), factory {(_factory is null ? "absent" : "present")}, otadata {(_otaData is null ? "absent" : "present")}");
        return true;
    }

    /// <summary><c>bootloader_utility_get_selected_boot_partition</c>.</summary>
    private int SelectBootPartition()
    {
        if (_otaData is null)
        {
            Step(BootStepReason.NoOtaData, "no otadata partition: start at the factory index");
            return BootResult.FactoryIndex;
        }

        var entries = _otaData.ReadBoth();
        _otaHasInitialContents = false;
        Step(BootStepReason.OtaDataRead, $"otadata[0]: {entries[0]}; otadata[1]: {entries[1]}");

        if (_options.Rollback)
        {
            // An app that never confirmed itself before this reset is abandoned, whatever its CRC.
            for (int i = 0; i < OtaDataPartition.CopyCount; i++)
            {
                if (entries[i].State == OtaImageState.PendingVerify)
                {
                    entries[i] = entries[i].WithState(OtaImageState.Aborted);
                    Step(BootStepReason.PendingVerifyAborted, $"otadata[{i}] was PENDING_VERIFY: rewritten as ABORTED");
                    _otaData.Write(i, entries[i]);
                }
            }
        }

        int active;
        if (!_options.AntiRollback)
        {
            if ((entries[0].IsMarkedInvalid && entries[1].IsMarkedInvalid) || _appCount == 0)
            {
                if (_factory is not null)
                {
                    Step(BootStepReason.DefaultToFactory, "both otadata entries empty or invalid (or no OTA slots): default to the factory app");
                    return BootResult.FactoryIndex;
                }

                _otaHasInitialContents = entries[0].IsEmptyOrCorrupt && entries[1].IsEmptyOrCorrupt;
                Step(BootStepReason.DefaultToOta0, "both otadata entries empty or invalid and no factory app: try ota_0"
                    + (_otaHasInitialContents ? " (otadata is in its initial state: the seq will be set once an app loads)" : ""));
                return 0;
            }

            active = OtaDataPartition.ActiveIndex(entries);
        }
        else
        {
            if (entries[0].IsEmptyOrCorrupt && entries[1].IsEmptyOrCorrupt)
            {
                _otaHasInitialContents = true;
                Step(BootStepReason.DefaultToFactory, "both otadata entries empty or corrupt: initial state, start at the factory index");
                return BootResult.FactoryIndex;
            }

            active = ActiveWithAntiRollback(entries);
        }

        if (active == -1)
        {
            Step(BootStepReason.DefaultToFactory, _factory is not null
                ? "no valid otadata entry: fall back to the factory app"
                : "no valid otadata entry and no factory app: try every partition");
            return BootResult.FactoryIndex;
        }

        int index = entries[active].SlotIndex(_appCount);
        Step(BootStepReason.ActiveEntry, $"active otadata[{active}] seq 0x{entries[active].Sequence:x8} selects OTA slot {index}");
        if (_options.Rollback && entries[active].State == OtaImageState.New)
        {
            // Written before the image is even loaded: if it then fails, the entry stays PENDING_VERIFY.
            entries[active] = entries[active].WithState(OtaImageState.PendingVerify);
            Step(BootStepReason.NewToPendingVerify, $"otadata[{active}] was NEW: rewritten as PENDING_VERIFY");
            _otaData.Write(active, entries[active]);
        }

        if (_options.AntiRollback && entries[active].State == OtaImageState.Valid)
        {
            UpdateAntiRollback(_ota[index]);
        }

        return index;
    }

    private int ActiveWithAntiRollback(OtaSelectEntry[] entries)
    {
        bool[] allowed = new bool[OtaDataPartition.CopyCount];
        for (int i = 0; i < allowed.Length; i++)
        {
            if (entries[i].IsValid && _appCount > 0)
            {
                int slot = entries[i].SlotIndex(_appCount);
                allowed[i] = CheckAntiRollback(_ota[slot]);
                if (!allowed[i])
                {
                    Step(BootStepReason.EntryBelowSecureVersion, $"otadata[{i}] selects OTA slot {slot}, whose app has no description or a secure_version below eFuse {_efuse.SecureVersion.Version}: ignored");
                }
            }
        }

        return OtaDataPartition.Select(entries, allowed[0], allowed[1], max: true);
    }

    /// <summary><c>bootloader_utility_load_boot_image</c>.</summary>
    private BootResult LoadBootImage(int startIndex)
    {
        if (startIndex == BootResult.TestIndex)
        {
            return TryLoad(BootResult.TestIndex) ?? Reset(startIndex);
        }

        for (int index = startIndex; index >= BootResult.FactoryIndex; index--)
        {
            if (TryLoad(index) is { } booted)
            {
                return booted;
            }
        }

        for (int index = startIndex + 1; index < _appCount; index++)
        {
            if (TryLoad(index) is { } booted)
            {
                return booted;
            }
        }

        if (TryLoad(BootResult.TestIndex) is { } test)
        {
            return test;
        }

        Step(BootStepReason.NothingBootable, "no bootable app partition: reset");
        return Reset(startIndex);
    }

    private BootResult? TryLoad(int index)
    {
        var partition = IndexToPartition(index);
        if (partition is null || partition.Size == 0)
        {
            return null;
        }

        if (_options.AntiRollback && !CheckAntiRollback(partition))
        {
            Step(BootStepReason.AppBelowSecureVersion, $"index {index} ({partition.Label}): no app description or secure_version below eFuse {_efuse.SecureVersion.Version}");
            return null;
        }

        var verdict = _validator.Validate(_flash, partition);
        if (!verdict.IsValid)
        {
            Step(BootStepReason.ImageInvalid, $"index {index} ({partition.Label}): image does not load{(verdict.Reason is null ? "" : ": " + verdict.Reason)}");
            return null;
        }

        Step(BootStepReason.ImageLoaded, $"index {index} ({partition.Label}): image loaded");
        SetActualOtaSeq(index);
        return new BootResult
        {
            Booted = partition,
            BootedIndex = index,
            SelectedIndex = SelectedIndex ?? BootResult.InvalidIndex,
            App = verdict.Description ?? PartitionAppDescription.TryRead(_flash, partition),
            Table = Table,
            Trace = _steps.ToArray(),
        };
    }

    /// <summary><c>set_actual_ota_seq</c>: fix up otadata that was still in its initial state.</summary>
    private void SetActualOtaSeq(int index)
    {
        if (index > BootResult.FactoryIndex && _otaHasInitialContents && _otaData is not null)
        {
            var entry = OtaSelectEntry.Create((uint)(index + 1), OtaImageState.Valid);
            Step(BootStepReason.InitialSequenceWritten, $"otadata was in its initial state: otadata[0] set to seq {index + 1}, VALID");
            _otaData.Write(0, entry);
            if (_options.AntiRollback)
            {
                UpdateAntiRollback(_ota[index]);
            }
        }
    }

    private Partition? IndexToPartition(int index) => index switch
    {
        BootResult.FactoryIndex => _factory,
        BootResult.TestIndex => _test,
        >= 0 and < PartitionSubtypes.OtaSlotCount when index < _appCount => _ota[index],
        _ => null,
    };

    /// <summary><c>check_anti_rollback</c>: the app has a description and its secure_version passes eFuse.</summary>
    private bool CheckAntiRollback(Partition? partition)
    {
        if (partition is null || partition.Offset == 0)
        {
            return false;
        }

        var description = PartitionAppDescription.TryRead(_flash, partition);
        return description is not null && _efuse.SecureVersion.Allows(description.SecureVersion);
    }

    /// <summary><c>update_anti_rollback</c>: raise eFuse to the app's secure_version (errors only logged, as in C).</summary>
    private void UpdateAntiRollback(Partition? partition)
    {
        var description = partition is null || partition.Offset == 0 ? null : PartitionAppDescription.TryRead(_flash, partition);
        if (description is null)
        {
            Step(BootStepReason.EfuseUpdate, "anti-rollback: no app description to update eFuse from");
            return;
        }

        var result = _efuse.SecureVersion.Update(description.SecureVersion);
        Step(BootStepReason.EfuseUpdate, $"anti-rollback: eFuse update to secure_version {description.SecureVersion}: {result.GetName()} (now {_efuse.SecureVersion.Version})");
    }

    private void RunFactoryReset()
    {
        Step(BootStepReason.FactoryReset, "factory-reset pin held: erasing data partitions");
        foreach (var p in Table!.Partitions)
        {
            if (p.Type != PartitionType.Data)
            {
                continue;
            }

            bool erase = (_options.FactoryResetErasesOtaData && p.IsOtaData) || _options.FactoryResetDataPartitions.Contains(p.Label, StringComparer.Ordinal);
            if (erase)
            {
                _flash.Erase(p.Offset, p.Size);
                Step(BootStepReason.PartitionErased, $"erased {p.Label}");
            }
        }
    }

    private void Step(BootStepReason reason, string text) => _steps.Add(new BootStep(reason, text));

    private BootResult Reset(int selectedIndex) => new()
    {
        Booted = null,
        BootedIndex = null,
        SelectedIndex = selectedIndex,
        Table = Table,
        Trace = _steps.ToArray(),
    };
}

using EspOta.Boot;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Layout;
using EspOta.OtaData;
using EspOta.Partitions;

namespace EspOta.Updates;

/// <summary>
/// What a running app may call: the <c>esp_ota_ops.h</c> surface of ESP-IDF v5.5, with the same
/// preconditions and error codes. Failures that C returns as <c>esp_err_t</c> throw
/// <see cref="EspException"/>; lookups that C answers with NULL return null.
/// </summary>
/// <remarks>
/// An instance belongs to one boot: it holds the running partition and the table, as ESP-IDF caches
/// them in RAM. Every otadata decision re-reads flash, as the C code does.
/// </remarks>
public sealed class OtaOperations
{
    private readonly IFlash _flash;
    private readonly BootOptions _options;
    private readonly Partition? _running;
    private readonly Func<BootResult>? _restart;
    private readonly Efuse _efuse;
    private readonly OtaSelection _selection;

    /// <summary>The OTA API of an app running from <paramref name="running"/>.</summary>
    /// <param name="flash">The device flash.</param>
    /// <param name="table">The partition table.</param>
    /// <param name="running">The partition the app runs from (<c>esp_ota_get_running_partition</c>).</param>
    /// <param name="options">Rollback / anti-rollback configuration.</param>
    /// <param name="validator">The image verification policy.</param>
    /// <param name="efuse">The chip's eFuses (anti-rollback reads and burns the secure-version counter).</param>
    /// <param name="restart">What <c>esp_restart</c> does (reboots the device), or null when not available.</param>
    public OtaOperations(IFlash flash, PartitionTable table, Partition running, BootOptions options, IAppImageValidator validator, Efuse efuse, Func<BootResult>? restart = null)
        : this(flash, table, running ?? throw new ArgumentNullException(nameof(running)), options, validator, efuse, restart, validated: false)
    {
    }

    /// <summary>For <see cref="Device.EspDevice"/>, which validated <paramref name="options"/> once when it was opened.</summary>
    internal OtaOperations(IFlash flash, PartitionTable table, Partition? running, BootOptions options, IAppImageValidator validator, Efuse efuse, Func<BootResult>? restart, bool validated)
    {
        _flash = flash ?? throw new ArgumentNullException(nameof(flash));
        Table = table ?? throw new ArgumentNullException(nameof(table));
        _running = running;
        _options = options ?? throw new ArgumentNullException(nameof(options));
        Validator = validator ?? throw new ArgumentNullException(nameof(validator));
        _efuse = efuse ?? throw new ArgumentNullException(nameof(efuse));
        _selection = new OtaSelection(flash, table);
        _restart = restart;
        if (!validated)
        {
            options.Validate();
        }
    }

    /// <summary>
    /// The OTA API over a flash image that is not running anything, as otatool works on a dump: the
    /// otadata calls (<see cref="SetBootPartition"/>, <see cref="GetBootPartition"/>, states, the next
    /// update slot counted from the first one) work; calls about the running app throw
    /// <see cref="InvalidOperationException"/>.
    /// </summary>
    public static OtaOperations Offline(IFlash flash, PartitionTable table, BootOptions options, IAppImageValidator validator, Efuse efuse) =>
        new(flash, table, running: null, options, validator, efuse, restart: null, validated: false);

    /// <summary>The running partition; an offline instance has none.</summary>
    private Partition Running => _running ?? throw new InvalidOperationException("this OTA API is offline (over a flash image): there is no running app");

    /// <summary>The partition table (<c>esp_partition_find</c> searches it).</summary>
    public PartitionTable Table { get; }

    /// <summary>The image verification policy used by End, SetBootPartition and the rollback checks.</summary>
    public IAppImageValidator Validator { get; }

    /// <summary><c>esp_ota_get_running_partition</c>.</summary>
    public Partition GetRunningPartition() => Running;

    /// <summary><c>esp_ota_get_app_partition_count</c>: OTA slots found contiguously from ota_0.</summary>
    public int GetAppPartitionCount()
        => _selection.AppPartitionCount;

    /// <summary>Whether <paramref name="partition"/> holds an image the validator accepts.</summary>
    public bool IsImageValid(Partition partition)
    {
        ArgumentNullException.ThrowIfNull(partition);
        return Validator.Validate(_flash, partition).IsValid;
    }

    /// <summary>
    /// <c>esp_ota_begin</c>: checks the target, erases per <paramref name="size"/>, and with rollback
    /// enabled invalidates the inactive otadata copy (its result ignored, as in C).
    /// </summary>
    /// <param name="partition">Target; null gives <see cref="EspError.InvalidArg"/> as in C.</param>
    /// <param name="size">How much to erase up front.</param>
    public OtaUpdate Begin(Partition? partition, OtaImageSize size)
    {
        if (partition is null)
        {
            throw new EspException(EspError.InvalidArg, "esp_ota_begin: partition is null");
        }

        RequireInTableOrExternal(partition);
        if (partition.IsApp)
        {
            if (!partition.IsOtaSlot)
            {
                throw new EspException(EspError.InvalidArg, $"esp_ota_begin: {partition.Label} is an app partition but not an OTA slot");
            }

            if (partition == _running)
            {
                throw new EspException(EspError.OtaPartitionConflict, $"esp_ota_begin: {partition.Label} is the running partition");
            }

            if (_options.Rollback && _running is not null && TryGetState(_running, out var runningState) == EspError.Ok && runningState == OtaImageState.PendingVerify)
            {
                throw new EspException(EspError.OtaRollbackInvalidState, $"esp_ota_begin: the running app in {_running!.Label} has not confirmed itself (PENDING_VERIFY)");
            }
        }

        var update = new OtaUpdate(this, _flash, partition, size.IsSequentialWrites, 0, resumption: false);
        if (!size.IsSequentialWrites)
        {
            long erase = size.ErasesWholePartition ? partition.Size : Align.Up(size.Value, _flash.SectorSize);
            if (erase > partition.Size)
            {
                throw new EspException(EspError.InvalidSize, $"esp_ota_begin: image size {size} does not fit {partition.Label} (0x{partition.Size:x} bytes)");
            }

            _flash.Erase(partition.Offset, erase);
        }

        if (_options.Rollback && partition.IsOtaSlot)
        {
            // esp_ota_ops.c ignores this result: starting an OTA discards the previous rollback target.
            TryEraseLastBoot(skipAppErase: true);
        }

        return update;
    }

    /// <summary>
    /// <c>esp_ota_resume</c>: continues an interrupted update of <paramref name="partition"/> at
    /// <paramref name="imageOffset"/>; nothing is erased except, with sequential writes, what later writes reach.
    /// </summary>
    public OtaUpdate Resume(Partition? partition, OtaImageSize erasedSize, long imageOffset)
    {
        if (partition is null)
        {
            throw new EspException(EspError.InvalidArg, "esp_ota_resume: partition is null");
        }

        if (imageOffset < 0 || imageOffset > partition.Size)
        {
            throw new EspException(EspError.InvalidArg, $"esp_ota_resume: offset 0x{imageOffset:x} is outside {partition.Label} (0x{partition.Size:x} bytes)");
        }

        RequireInTable(partition);
        if (partition.IsApp && !partition.IsOtaSlot)
        {
            throw new EspException(EspError.InvalidArg, $"esp_ota_resume: {partition.Label} is an app partition but not an OTA slot");
        }

        if (partition == _running)
        {
            throw new EspException(EspError.OtaPartitionConflict, $"esp_ota_resume: {partition.Label} is the running partition");
        }

        return new OtaUpdate(this, _flash, partition, erasedSize.IsSequentialWrites, imageOffset, resumption: true);
    }

    /// <summary>
    /// <c>esp_ota_set_boot_partition</c>: makes <paramref name="partition"/> boot next. Factory erases
    /// otadata; an OTA slot gets a new sequence in the other otadata copy.
    /// </summary>
    /// <param name="partition">Target; null gives <see cref="EspError.InvalidArg"/>.</param>
    /// <param name="validate">Verify the image first (ESP-IDF v5.5.5 always does; false skips only that step).</param>
    /// <exception cref="EspException">
    /// <see cref="EspError.OtaValidateFailed"/>, <see cref="EspError.InvalidArg"/>, <see cref="EspError.NotFound"/>,
    /// <see cref="EspError.OtaSmallSecVer"/> (the target is then erased), or
    /// <see cref="EspError.OtaSequenceSearchHangs"/> where ESP-IDF would loop forever.
    /// </exception>
    public void SetBootPartition(Partition? partition, bool validate = true)
    {
        if (partition is null)
        {
            throw new EspException(EspError.InvalidArg, "esp_ota_set_boot_partition: partition is null");
        }

        if (validate && !Validator.Validate(_flash, partition).IsValid)
        {
            throw new EspException(EspError.OtaValidateFailed, $"esp_ota_set_boot_partition: the image in {partition.Label} does not verify");
        }

        if (!partition.IsApp)
        {
            throw new EspException(EspError.InvalidArg, $"esp_ota_set_boot_partition: {partition.Label} is not an app partition");
        }

        if (partition.IsFactory)
        {
            var otaData = FindOtaDataPartition() ?? throw new EspException(EspError.NotFound, "esp_ota_set_boot_partition: no otadata partition");
            _flash.Erase(otaData.Offset, otaData.Size);
            return;
        }

        if (_options.AntiRollback)
        {
            var description = GetPartitionDescription(partition);
            if (!_efuse.SecureVersion.Allows(description.SecureVersion))
            {
                _flash.Erase(partition.Offset, partition.Size);
                throw new EspException(EspError.OtaSmallSecVer,
                    $"esp_ota_set_boot_partition: {partition.Label} has secure_version {description.SecureVersion}, below eFuse {_efuse.SecureVersion.Version}; the partition was erased");
            }
        }

        RewriteOtaData(partition.Subtype);
    }

    /// <summary><c>esp_ota_get_boot_partition</c>: what otadata says boots next, or null without otadata.</summary>
    public Partition? GetBootPartition()
        => _selection.BootPartition();

    /// <summary>
    /// <c>esp_ota_get_next_update_partition</c>: the OTA slot after <paramref name="startFrom"/> (default: the
    /// running partition) in slot order, else the first OTA slot; null when there is none.
    /// </summary>
    public Partition? GetNextUpdatePartition(Partition? startFrom = null)
    {
        startFrom ??= _running;
        Partition? first = null;
        bool nextIsResult = false;
        for (int slot = 0; slot < PartitionSubtypes.OtaSlotCount; slot++)
        {
            var p = FindOta(slot);
            if (p is null)
            {
                continue;
            }

            first ??= p;
            if (p == startFrom)
            {
                nextIsResult = true;
            }
            else if (nextIsResult)
            {
                return p;
            }
        }

        return first;
    }

    /// <summary><c>esp_ota_get_partition_description</c>: the <c>esp_app_desc_t</c> at offset 0x20, unverified.</summary>
    /// <exception cref="EspException"><see cref="EspError.InvalidArg"/> (null), <see cref="EspError.NotSupported"/> (not an app), <see cref="EspError.NotFound"/> (no magic).</exception>
    public AppDescription GetPartitionDescription(Partition? partition)
    {
        if (partition is null)
        {
            throw new EspException(EspError.InvalidArg, "esp_ota_get_partition_description: partition is null");
        }

        if (!partition.IsApp)
        {
            throw new EspException(EspError.NotSupported, $"esp_ota_get_partition_description: {partition.Label} is not an app partition");
        }

        return PartitionAppDescription.TryRead(_flash, partition)
            ?? throw new EspException(EspError.NotFound, $"esp_ota_get_partition_description: no app description (magic 0x{AppDescription.MagicWord:x8}) in {partition.Label}");
    }

    /// <summary><c>esp_app_get_description</c> (formerly <c>esp_ota_get_app_description</c>): the running app's description.</summary>
    public AppDescription GetAppDescription() => GetPartitionDescription(Running);

    /// <summary>
    /// <c>esp_app_get_elf_sha256</c>: the first <paramref name="maxCharacters"/> hex digits of the running
    /// app's ELF SHA-256 (the C function fills a buffer of <c>size</c> bytes with <c>size - 1</c> digits).
    /// </summary>
    public string GetAppElfSha256(int maxCharacters = 64)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxCharacters);
        string hex = Convert.ToHexStringLower(GetAppDescription().AppElfSha256.Span);
        return hex[..Math.Min(maxCharacters, hex.Length)];
    }

    /// <summary>
    /// <c>esp_ota_get_bootloader_description</c>: the <c>esp_bootloader_desc_t</c> at offset 0x20 of the
    /// bootloader, read from <paramref name="bootloaderPartition"/> or, when null, from
    /// <paramref name="bootloaderOffset"/> (<c>CONFIG_BOOTLOADER_OFFSET_IN_FLASH</c>: 0x0, or 0x1000 on ESP32/ESP32-S2).
    /// </summary>
    /// <exception cref="EspException"><see cref="EspError.NotFound"/> when the magic byte is not there.</exception>
    public BootloaderDescription GetBootloaderDescription(Partition? bootloaderPartition = null, uint bootloaderOffset = 0)
    {
        long address = (bootloaderPartition?.Offset ?? bootloaderOffset) + AppDescription.ImageOffset;
        var buffer = new byte[BootloaderDescription.Size];
        _flash.Read(address, buffer);
        var description = BootloaderDescription.Read(buffer);
        return description.HasValidMagic
            ? description
            : throw new EspException(EspError.NotFound, $"no bootloader description (magic 0x{BootloaderDescription.MagicByte:x2}) at 0x{address:x}");
    }

    /// <summary>
    /// <c>esp_ota_mark_app_valid_cancel_rollback</c>: marks the active otadata entry VALID (it is not
    /// compared with the running partition); with anti-rollback, then raises eFuse to the running app's secure_version.
    /// </summary>
    public void MarkAppValidCancelRollback() => CurrentOtaIsWorkable(valid: true);

    /// <summary>
    /// <c>esp_ota_mark_app_invalid_rollback</c>: marks the active otadata entry INVALID if a rollback
    /// target exists (<see cref="EspError.OtaRollbackFailed"/> otherwise). Does not reboot.
    /// </summary>
    public void MarkAppInvalidRollback() => CurrentOtaIsWorkable(valid: false);

    /// <summary><c>esp_ota_mark_app_invalid_rollback_and_reboot</c>: as <see cref="MarkAppInvalidRollback"/>, then restarts the device.</summary>
    /// <returns>The boot that followed; this instance belongs to the previous boot afterwards.</returns>
    public BootResult MarkAppInvalidRollbackAndReboot()
    {
        if (_restart is null)
        {
            throw new InvalidOperationException("this OtaOperations has no device to restart");
        }

        MarkAppInvalidRollback();
        return _restart();
    }

    /// <summary>
    /// <c>esp_ota_check_rollback_is_possible</c>: does the inactive otadata copy point at a loadable app
    /// (or, without anti-rollback and with that copy invalid, is there a valid factory app)?
    /// </summary>
    public bool CheckRollbackIsPossible()
    {
        var otaData = OpenOtaData();
        if (otaData is null)
        {
            return false;
        }

        var entries = otaData.ReadBoth();
        int count = GetAppPartitionCount();
        if (count == 0)
        {
            return false;
        }

        int active = OtaDataPartition.ActiveIndex(entries);
        if (active == -1)
        {
            return false;
        }

        var last = entries[1 - active];
        if (!_options.AntiRollback && !last.IsValid)
        {
            var factory = Table.FindFirst(PartitionType.App, PartitionSubtypes.AppFactory);
            if (factory is not null && IsImageValid(factory))
            {
                return true;
            }
        }

        if (last.IsValid && FindOta(last.SlotIndex(count)) is { } partition && IsImageValid(partition))
        {
            if (!_options.AntiRollback)
            {
                return true;
            }

            var description = PartitionAppDescription.TryRead(_flash, partition);
            return description is not null && _efuse.SecureVersion.Allows(description.SecureVersion);
        }

        return false;
    }

    /// <summary>
    /// <c>esp_ota_get_last_invalid_partition</c>: the slot of the older INVALID/ABORTED entry with a
    /// good CRC, or null (also when that slot's image no longer verifies).
    /// </summary>
    public Partition? GetLastInvalidPartition()
    {
        var otaData = OpenOtaData();
        if (otaData is null)
        {
            return null;
        }

        var entries = otaData.ReadBoth();
        static bool Rejected(OtaSelectEntry e) =>
            e.Sequence != OtaSelectEntry.EmptySequence && e.IsCrcValid && e.State is OtaImageState.Invalid or OtaImageState.Aborted;
        int index = OtaDataPartition.Select(entries, Rejected(entries[0]), Rejected(entries[1]), max: false);
        int count = GetAppPartitionCount();
        if (index == -1 || count == 0)
        {
            return null;
        }

        var partition = FindOta(entries[index].SlotIndex(count));
        return partition is not null && !IsImageValid(partition) ? null : partition;
    }

    /// <summary><c>esp_ota_get_state_partition</c>: the raw state of the first otadata copy (0 then 1) with a good CRC that maps to this slot.</summary>
    /// <exception cref="EspException"><see cref="EspError.InvalidArg"/>, <see cref="EspError.NotSupported"/> (not an OTA slot), <see cref="EspError.NotFound"/>.</exception>
    public OtaImageState GetStatePartition(Partition? partition)
    {
        var error = TryGetState(partition, out var state);
        if (error != EspError.Ok)
        {
            throw new EspException(error, $"esp_ota_get_state_partition({partition?.Label ?? "NULL"}) failed");
        }

        return state;
    }

    /// <summary>
    /// <c>esp_ota_erase_last_boot_app_partition</c>: erases the app of the inactive otadata entry and
    /// that entry (<see cref="EspError.Fail"/> when there is no such usable entry or it is the running app).
    /// </summary>
    public void EraseLastBootAppPartition() => ThrowIfFailed(TryEraseLastBoot(skipAppErase: false), "esp_ota_erase_last_boot_app_partition");

    /// <summary><c>esp_ota_invalidate_inactive_ota_data_slot</c>: erases the inactive otadata copy (same conditions as <see cref="EraseLastBootAppPartition"/>).</summary>
    public void InvalidateInactiveOtaDataSlot() => ThrowIfFailed(TryEraseLastBoot(skipAppErase: true), "esp_ota_invalidate_inactive_ota_data_slot");

    /// <summary>
    /// As <see cref="RequireInTable"/>, but a bootloader or partition-table region outside the table is accepted: ESP-IDF
    /// registers those with <c>esp_partition_register_external</c> (e.g. <c>PrimaryBTLDR</c> at the chip's bootloader offset).
    /// </summary>
    internal void RequireInTableOrExternal(Partition partition)
    {
        if (partition.Type is not (PartitionType.Bootloader or PartitionType.PartitionTable))
        {
            RequireInTable(partition);
        }
    }

    internal void RequireInTable(Partition partition)
    {
        if (!Table.Partitions.Contains(partition))
        {
            throw new EspException(EspError.NotFound, $"partition {partition} is not in the partition table");
        }
    }

    private EspError TryGetState(Partition? partition, out OtaImageState state)
    {
        state = OtaImageState.Undefined;
        if (partition is null)
        {
            return EspError.InvalidArg;
        }

        if (!partition.IsOtaSlot)
        {
            return EspError.NotSupported;
        }

        int count = GetAppPartitionCount();
        var otaData = OpenOtaData();
        if (otaData is null || count == 0)
        {
            return EspError.NotFound;
        }

        int wanted = partition.OtaSlot!.Value;
        var entries = otaData.ReadBoth();
        foreach (var entry in entries)
        {
            // Neither the empty sequence nor the state is checked here (esp_ota_ops.c).
            if (entry.SlotIndex(count) == wanted && entry.IsCrcValid)
            {
                state = entry.State;
                return EspError.Ok;
            }
        }

        return EspError.NotFound;
    }

    private void CurrentOtaIsWorkable(bool valid)
    {
        var otaData = OpenOtaData() ?? throw new EspException(EspError.NotFound, "no otadata partition");
        var entries = otaData.ReadBoth();
        int active = OtaDataPartition.ActiveIndex(entries);
        if (active == -1 || GetAppPartitionCount() == 0)
        {
            throw new EspException(EspError.Fail, "no active otadata entry (the running firmware counts as factory)");
        }

        if (valid)
        {
            if (entries[active].State == OtaImageState.Valid)
            {
                return;
            }

            otaData.Write(active, entries[active].WithState(OtaImageState.Valid));
            if (_options.AntiRollback)
            {
                var description = GetPartitionDescription(Running);
                ThrowIfFailed(_efuse.SecureVersion.Update(description.SecureVersion), $"eFuse secure_version update to {description.SecureVersion}");
            }

            return;
        }

        if (!CheckRollbackIsPossible())
        {
            throw new EspException(EspError.OtaRollbackFailed, "rollback is not possible: no other loadable app");
        }

        otaData.Write(active, entries[active].WithState(OtaImageState.Invalid));
    }

    /// <summary><c>esp_rewrite_ota_data</c>.</summary>
    private void RewriteOtaData(byte subtype)
    {
        var otaData = OpenOtaData() ?? throw new EspException(EspError.NotFound, "no otadata partition");
        var entries = otaData.ReadBoth();
        int count = GetAppPartitionCount();
        int target = subtype & 0x0F;
        if (target >= count)
        {
            throw new EspException(EspError.InvalidArg, $"OTA slot {target} is not among the {count} contiguous OTA partitions");
        }

        var newState = _options.Rollback ? OtaImageState.New : OtaImageState.Undefined;
        int active = OtaDataPartition.ActiveIndex(entries);
        if (active == -1)
        {
            otaData.Write(0, entries[0].WithState(newState).WithSequence((uint)(target + 1)));
            return;
        }

        uint activeSequence = entries[active].Sequence;
        if (!OtaDataPartition.TryComputeNextSequence(activeSequence, target, count, out uint sequence))
        {
            throw new EspException(EspError.OtaSequenceSearchHangs,
                $"selecting OTA slot {target} of {count} after seq 0x{activeSequence:x8}: ESP-IDF's sequence search would loop forever");
        }

        int next = 1 - active;
        otaData.Write(next, entries[next].WithState(newState).WithSequence(sequence));
    }

    /// <summary><c>erase_last_boot_app_partition</c> (esp_ota_ops.c).</summary>
    private EspError TryEraseLastBoot(bool skipAppErase)
    {
        var otaData = OpenOtaData();
        if (otaData is null)
        {
            return EspError.Fail;
        }

        var entries = otaData.ReadBoth();
        int active = OtaDataPartition.ActiveIndex(entries);
        int count = GetAppPartitionCount();
        if (active == -1 || count == 0)
        {
            return EspError.Fail;
        }

        int inactive = 1 - active;
        if (entries[inactive].IsEmptyOrCorrupt)
        {
            return EspError.Fail;
        }

        var last = FindOta(entries[inactive].SlotIndex(count));
        if (last is null || last == _running)
        {
            return EspError.Fail;
        }

        if (!skipAppErase)
        {
            _flash.Erase(last.Offset, last.Size);
        }

        otaData.EraseCopy(inactive);
        return EspError.Ok;
    }

    private Partition? FindDefaultBootPartition() => _selection.DefaultBootPartition();

    private Partition? FindOta(int slot) => _selection.FindOta(slot);

    private Partition? FindOtaDataPartition() => _selection.OtaDataPartition;

    private OtaDataPartition? OpenOtaData() => _selection.OpenOtaData();

    private static void ThrowIfFailed(EspError error, string what)
    {
        if (error != EspError.Ok)
        {
            throw new EspException(error, $"{what} failed");
        }
    }

}

using EspOta.Boot;
using EspOta.Flash;
using EspOta.Images;
using EspOta.OtaData;
using EspOta.Partitions;

namespace EspOta.Doctor;

/// <summary>
/// <c>esp-ota otadata doctor</c>: decodes both otadata sectors, says which one wins and why, what the
/// bootloader will boot with rollback off and on (reasoned from ESP-IDF v5.5.5's rules in
/// bootloader_utility.c / bootloader_common_loader.c, then checked against a real boot of a copy), lists
/// the hazards, and plans or applies a repair that makes a chosen, verified slot boot.
/// </summary>
public static class OtaDataDoctor
{
    private const int FactoryIndex = -1;
    private const int TestIndex = -2;

    /// <summary>Diagnoses the otadata of a whole flash image.</summary>
    /// <param name="flash">The flash (not changed).</param>
    /// <param name="tableOffset">Where the partition table is.</param>
    /// <param name="validator">The image policy; null: <see cref="EspImageValidator.Default"/>.</param>
    /// <param name="imagesAvailable">False for a dump of the otadata partition alone: images are then assumed to verify.</param>
    /// <exception cref="EspException">No readable partition table, or no otadata partition.</exception>
    public static OtaDataDiagnosis Diagnose(IFlash flash, uint tableOffset = PartitionTable.DefaultOffset, IAppImageValidator? validator = null, bool imagesAvailable = true)
    {
        ArgumentNullException.ThrowIfNull(flash);
        var layout = Layout.Read(flash, tableOffset);
        validator = imagesAvailable ? validator ?? EspImageValidator.Default : AssumeValid.Instance;
        var otaData = new OtaDataPartition(flash, layout.OtaData);
        var entries = otaData.ReadBoth();
        var verifies = new Dictionary<int, bool>();
        bool Verifies(int index)
        {
            if (!verifies.TryGetValue(index, out bool ok))
            {
                var p = layout.At(index);
                ok = p is not null && validator.Validate(flash, p).IsValid;
                verifies[index] = ok;
            }

            return ok;
        }

        var copies = new OtaDataCopyReport[OtaDataPartition.CopyCount];
        for (int i = 0; i < copies.Length; i++)
        {
            var raw = new byte[OtaSelectEntry.Size];
            flash.Read(otaData.SectorAddress(i), raw);
            bool erased = raw.AsSpan().IndexOfAnyExcept((byte)0xFF) < 0;
            var e = entries[i];
            int? slot = !erased && layout.SlotCount > 0 && e.Sequence != OtaSelectEntry.EmptySequence ? e.SlotIndex(layout.SlotCount) : null;
            copies[i] = new OtaDataCopyReport(i, otaData.SectorAddress(i), e, erased, !erased && !e.IsCrcValid, slot,
                slot is { } s ? imagesAvailable ? Verifies(s) : null : null);
        }

        int active = OtaDataPartition.ActiveIndex(entries);
        return new OtaDataDiagnosis
        {
            OtaDataLabel = layout.OtaData.Label,
            SlotCount = layout.SlotCount,
            HasFactory = layout.Factory is not null,
            ImagesChecked = imagesAvailable,
            Copies = copies,
            ActiveCopy = active,
            ActiveReason = ActiveReason(entries, active),
            RollbackOff = Predict(flash, tableOffset, layout, entries, rollback: false, Verifies, validator),
            RollbackOn = Predict(flash, tableOffset, layout, entries, rollback: true, Verifies, validator),
            Hazards = Hazards(layout, copies, entries, active, Verifies),
        };
    }

    /// <summary>
    /// Makes <paramref name="target"/> (an OTA slot label, or the factory app) boot: for a slot, one
    /// entry with a sequence above the active one that selects it, state VALID, written to the other
    /// sector as <c>esp_rewrite_ota_data</c> does; for the factory app, both sectors erased (as
    /// <c>esp_ota_set_boot_partition(factory)</c> does). With <paramref name="dryRun"/> nothing is written.
    /// </summary>
    /// <exception cref="EspException">NotFound: no such app partition; OtaValidateFailed: its image does not verify; InvalidState: no sequence can select it.</exception>
    public static OtaDataRepair Repair(IFlash flash, string target, bool dryRun, uint tableOffset = PartitionTable.DefaultOffset, IAppImageValidator? validator = null, bool imagesAvailable = true)
    {
        ArgumentNullException.ThrowIfNull(flash);
        ArgumentException.ThrowIfNullOrEmpty(target);
        var layout = Layout.Read(flash, tableOffset);
        validator = imagesAvailable ? validator ?? EspImageValidator.Default : AssumeValid.Instance;
        var partition = layout.Table.Partitions.FirstOrDefault(p => p.IsApp && p.Label == target)
            ?? throw new EspException(EspError.NotFound, $"no app partition '{target}' in the partition table");
        if (partition.IsTest)
        {
            throw new EspException(EspError.InvalidArg, "the test partition is not selected through otadata");
        }

        var verdict = validator.Validate(flash, partition);
        if (!verdict.IsValid)
        {
            throw new EspException(EspError.OtaValidateFailed, $"the image in {partition.Label} does not verify: {verdict.Reason ?? "invalid"}");
        }

        var otaData = new OtaDataPartition(flash, layout.OtaData);
        var before = new byte[layout.OtaData.Size];
        flash.Read(layout.OtaData.Offset, before);
        var after = (byte[])before.Clone();
        int copy;
        OtaSelectEntry entry;
        bool resetNumbering = false;
        if (partition.IsFactory)
        {
            copy = -1;
            entry = OtaSelectEntry.Erased;
            after.AsSpan(0, 2 * flash.SectorSize).Fill(0xFF);
        }
        else
        {
            int slot = partition.Subtype - PartitionSubtypes.AppOtaMin;
            var entries = otaData.ReadBoth();
            int active = OtaDataPartition.ActiveIndex(entries);
            uint seq = (uint)slot + 1;
            copy = 0;
            if (active >= 0)
            {
                uint activeSeq = entries[active].Sequence;
                bool found = OtaDataPartition.TryComputeNextSequence(activeSeq, slot, layout.SlotCount, out uint next);

                // Equal sequences would tie (copy 0 wins): one lap further selects the same slot and wins outright.
                if (found && next == activeSeq)
                {
                    found = next <= uint.MaxValue - (uint)layout.SlotCount;
                    next += found ? (uint)layout.SlotCount : 0;
                }

                // 0xFFFFFFFF is the empty sequence: a search that lands there (or wraps) cannot win.
                if (found && next != OtaSelectEntry.EmptySequence)
                {
                    copy = 1 - active;
                    seq = next;
                }
                else
                {
                    resetNumbering = true;
                }
            }

            entry = OtaSelectEntry.Create(seq, OtaImageState.Valid, entries[copy].Label);
            if (resetNumbering)
            {
                // Near 2^32 no larger sequence is left: start the numbering again with the other copy erased.
                after.AsSpan(flash.SectorSize, flash.SectorSize).Fill(0xFF);
            }

            var sector = after.AsSpan(copy * flash.SectorSize, flash.SectorSize);
            sector.Fill(0xFF);
            entry.WriteTo(sector);
        }

        var changes = Diff(layout.OtaData.Offset, before, after);
        if (!dryRun)
        {
            if (copy < 0)
            {
                otaData.EraseCopy(0);
                otaData.EraseCopy(1);
            }
            else
            {
                if (resetNumbering)
                {
                    otaData.EraseCopy(1 - copy);
                }

                otaData.Write(copy, entry);
            }
        }

        return new OtaDataRepair(target, copy, copy < 0 ? layout.OtaData.Offset : otaData.SectorAddress(copy), entry, changes, !dryRun);
    }

    private static List<OtaDataByteChange> Diff(long baseAddress, byte[] before, byte[] after)
    {
        var changes = new List<OtaDataByteChange>();
        for (int i = 0; i < before.Length;)
        {
            if (before[i] == after[i])
            {
                i++;
                continue;
            }

            int start = i;
            // Runs merge across gaps of up to 8 equal bytes, so the list stays short and readable.
            int lastDiff = i;
            while (i < before.Length && i - lastDiff <= 8)
            {
                if (before[i] != after[i])
                {
                    lastDiff = i;
                }

                i++;
            }

            changes.Add(new OtaDataByteChange(baseAddress + start, before.AsMemory(start, lastDiff + 1 - start), after.AsMemory(start, lastDiff + 1 - start)));
            i = lastDiff + 1;
        }

        return changes;
    }

    private static string ActiveReason(OtaSelectEntry[] e, int active)
    {
        string Why(int i) => e[i].Sequence == OtaSelectEntry.EmptySequence ? "empty"
            : !e[i].IsCrcValid ? "CRC does not match the sequence"
            : $"state {OtaSelectEntry.StateName(e[i].State)}";
        if (active < 0)
        {
            return $"neither copy is valid (copy 0: {Why(0)}; copy 1: {Why(1)})";
        }

        int other = 1 - active;
        if (!e[other].IsValid)
        {
            return $"copy {active} is the only valid one (copy {other}: {Why(other)})";
        }

        return e[0].Sequence == e[1].Sequence
            ? $"both copies are valid with the same seq 0x{e[0].Sequence:x8}: the tie goes to copy 0"
            : $"both copies are valid; copy {active} has the higher seq (0x{e[active].Sequence:x8} > 0x{e[other].Sequence:x8}, compared as u32)";
    }

    private static OtaBootPrediction Predict(IFlash flash, uint tableOffset, Layout layout, OtaSelectEntry[] original, bool rollback, Func<int, bool> verifies, IAppImageValidator validator)
    {
        var reasons = new List<string>();
        var e = (OtaSelectEntry[])original.Clone();
        if (rollback)
        {
            for (int i = 0; i < e.Length; i++)
            {
                if (e[i].State == OtaImageState.PendingVerify)
                {
                    e[i] = e[i].WithState(OtaImageState.Aborted);
                    reasons.Add($"copy {i} is PENDING_VERIFY: its app booted once and never confirmed itself, so the bootloader rewrites it ABORTED");
                }
            }
        }

        int start;
        if ((e[0].IsMarkedInvalid && e[1].IsMarkedInvalid) || layout.SlotCount == 0)
        {
            start = layout.Factory is not null ? FactoryIndex : 0;
            reasons.Add(layout.SlotCount == 0 ? "the table has no OTA slot"
                : "both copies are empty or marked INVALID/ABORTED");
            reasons.Add(start == FactoryIndex ? "so the factory app is tried first" : "and there is no factory app, so ota_0 is tried first");
        }
        else
        {
            int active = OtaDataPartition.ActiveIndex(e);
            if (active < 0)
            {
                start = FactoryIndex;
                reasons.Add("no copy is valid (a bad CRC counts as not valid): the walk starts at the factory index");
            }
            else
            {
                start = e[active].SlotIndex(layout.SlotCount);
                reasons.Add($"copy {active} (seq 0x{e[active].Sequence:x8}, {OtaSelectEntry.StateName(e[active].State)}) is active and selects ota_{start}");
                if (rollback && e[active].State == OtaImageState.New)
                {
                    reasons.Add("it is NEW: the bootloader rewrites it PENDING_VERIFY and this boot is the trial run (the app must confirm itself)");
                }
            }
        }

        // bootloader_utility_load_boot_image: down from the start to the factory index, then up, then the test app.
        var order = new List<int>();
        for (int i = start; i >= FactoryIndex; i--)
        {
            order.Add(i);
        }

        for (int i = start + 1; i < layout.SlotCount; i++)
        {
            order.Add(i);
        }

        order.Add(TestIndex);
        string? predicted = null;
        foreach (int index in order)
        {
            var p = layout.At(index);
            if (p is null)
            {
                continue;
            }

            if (verifies(index))
            {
                predicted = p.Label;
                reasons.Add(index == start ? $"{p.Label}'s image verifies: it boots" : $"{p.Label}'s image verifies: it boots instead");
                break;
            }

            reasons.Add($"{p.Label}'s image does not verify: the bootloader walks on");
        }

        if (predicted is null)
        {
            reasons.Add("no app image verifies: nothing boots (the chip resets)");
        }

        // The real bootloader on a copy (of the part the table covers): its result is the check on the reasoning above.
        long used = Math.Max(tableOffset + (long)flash.SectorSize, layout.Table.Partitions.Where(p => p.End <= flash.Size).Select(p => p.End).DefaultIfEmpty(0).Max());
        used = Math.Min(flash.Size, (used + flash.SectorSize - 1) / flash.SectorSize * flash.SectorSize);
        var bytes = new byte[used];
        flash.Read(0, bytes);
        var copy = MemoryFlash.FromImage(bytes, used, strict: false);

        var boot = new Bootloader(copy, new BootOptions { Rollback = rollback, PartitionTableOffset = tableOffset }, validator).Boot();
        return new OtaBootPrediction(rollback, predicted, reasons, boot.Booted?.Label, boot.Steps);
    }

    private static List<string> Hazards(Layout layout, OtaDataCopyReport[] copies, OtaSelectEntry[] e, int active, Func<int, bool> verifies)
    {
        var hazards = new List<string>();
        foreach (var c in copies)
        {
            string at = $"copy {c.Copy} (0x{c.Address:x})";
            if (c.Torn)
            {
                hazards.Add($"{at}: torn entry: seq 0x{c.Entry.Sequence:x8} with CRC 0x{c.Entry.Crc:x8}, expected 0x{OtaCrc.ForSequence(c.Entry.Sequence):x8} — a write or erase was cut; the bootloader ignores this copy");
                continue;
            }

            if (c.Erased)
            {
                continue;
            }

            switch (c.Entry.State)
            {
                case OtaImageState.PendingVerify:
                    hazards.Add($"{at}: PENDING_VERIFY: its app booted and never confirmed itself; with rollback on the next boot aborts it and rolls back (rollback off: it boots like VALID)");
                    break;
                case OtaImageState.New:
                    hazards.Add($"{at}: NEW: with rollback on the next boot is a trial run (rewritten PENDING_VERIFY first); with rollback off it boots like VALID");
                    break;
                case OtaImageState.Invalid or OtaImageState.Aborted:
                    hazards.Add($"{at}: {c.StateName}: never selected again");
                    break;
                case OtaImageState.Undefined:
                    if (c.Entry.Sequence != OtaSelectEntry.EmptySequence)
                    {
                        hazards.Add($"{at}: UNDEFINED (written with rollback off): a rollback bootloader treats it as confirmed, without a trial run");
                    }

                    break;
                case OtaImageState.Valid:
                    break;
                default:
                    hazards.Add($"{at}: state 0x{(uint)c.Entry.State:x8} is none of ESP-IDF's; the bootloader treats it as valid");
                    break;
            }

            if (c.SelectedSlot is { } slot && layout.At(slot) is null)
            {
                hazards.Add($"{at}: selects ota_{slot}, which the table does not have");
            }
        }

        if (active >= 0 && e[active].Sequence >= 0xFFFFFF00)
        {
            hazards.Add($"the active seq 0x{e[active].Sequence:x8} is close to 2^32: the next esp_ota_set_boot_partition may write the empty sequence 0xFFFFFFFF or search forever (OtaDataPartition.TryComputeNextSequence)");
        }

        if (e[0].IsValid && e[1].IsValid && e[0].Sequence == e[1].Sequence)
        {
            hazards.Add($"both copies carry seq 0x{e[0].Sequence:x8}: a tie (copy 0 wins)");
        }

        if (active >= 0 && layout.SlotCount > 0)
        {
            int slot = e[active].SlotIndex(layout.SlotCount);
            if (layout.At(slot) is not null && !verifies(slot))
            {
                hazards.Add($"the active copy {active} selects ota_{slot}, whose image does not verify: the bootloader falls back to another app");
            }
        }
        else if (active < 0 && (!copies[0].Erased || !copies[1].Erased))
        {
            hazards.Add("no copy is valid: the factory app (or the first verifying slot) boots, whatever was selected before");
        }

        return hazards;
    }

    private sealed class AssumeValid : IAppImageValidator
    {
        public static readonly AssumeValid Instance = new();

        public AppImageValidation Validate(IFlash flash, Partition partition) => AppImageValidation.Valid();
    }

    private sealed record Layout(PartitionTable Table, Partition OtaData, Partition? Factory, Partition? Test, Partition?[] Slots)
    {
        public int SlotCount => Slots.Count(s => s is not null);

        public Partition? At(int index) => index switch
        {
            FactoryIndex => Factory,
            TestIndex => Test,
            _ => index >= 0 && index < Slots.Length ? Slots[index] : null,
        };

        public static Layout Read(IFlash flash, uint tableOffset)
        {
            PartitionTable table;
            try
            {
                table = PartitionTable.ReadFromFlash(flash, tableOffset);
            }
            catch (PartitionTableException ex)
            {
                throw new EspException(EspError.NotFound, $"no valid partition table at 0x{tableOffset:x}: {ex.Message}", ex);
            }

            var otaData = table.FindFirst(PartitionType.Data, PartitionSubtypes.DataOta)
                ?? throw new EspException(EspError.NotFound, "the partition table has no otadata (data/ota) partition");
            var slots = new Partition?[16];
            foreach (var p in table.Partitions.Where(p => p.IsApp && !p.IsFactory && !p.IsTest && (p.Subtype & 0xF0) == PartitionSubtypes.AppOtaMin))
            {
                slots[p.Subtype & 0x0F] ??= p;
            }

            // The bootloader counts the slots it found and indexes them densely from 0 (bootloader_utility.c).
            int count = slots.Count(s => s is not null);
            return new Layout(table, otaData, table.Partitions.FirstOrDefault(p => p.IsFactory), table.Partitions.FirstOrDefault(p => p.IsTest), slots[..count]);
        }
    }
}

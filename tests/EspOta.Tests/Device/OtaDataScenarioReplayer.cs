using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using EspOta.Boot;
using EspOta.Device;
using EspOta.Flash;
using EspOta.OtaData;
using EspOta.Partitions;
using EspOta.Tests.Boot;
using EspOta.Updates;
using EspOta.Layout;

namespace EspOta.Tests.Device;

/// <summary>
/// Replays one otadata scenario (vectors/otadata/README.md §4) on an <see cref="EspDevice"/> and
/// reports the first field that differs from what ESP-IDF's C code did.
/// </summary>
public sealed class OtaDataScenarioReplayer
{
    private const long FlashSize = 4 * 1024 * 1024;
    private const uint TableOffset = 0x8000;

    private readonly MemoryFlash _flash = new(FlashSize);
    private long _dirtyEnd = FlashSize;

    /// <summary>Replays <paramref name="scenario"/>; returns null when every op matches, else a description of the first mismatch.</summary>
    public string? Replay(JsonElement scenario)
    {
        string id = scenario.GetProperty("id").GetString()!;
        var run = new Run(this, scenario);
        var ops = scenario.GetProperty("ops");
        int index = 0;
        foreach (var op in ops.EnumerateArray())
        {
            string? mismatch = run.Step(op);
            if (mismatch is not null)
            {
                return $"{id} op #{index} ({op.GetProperty("op").GetString()} {op.GetProperty("args").GetRawText()}): {mismatch}";
            }

            index++;
        }

        return null;
    }

    private sealed class Run
    {
        private readonly MemoryFlash _flash;
        private readonly FaultInjectingFlash _faults;
        private readonly PartitionTable _table;
        private readonly Partition? _otaData;
        private readonly EfuseSecureVersion _efuse;
        private readonly bool _antiRollback;
        private readonly EspDevice _device;

        public Run(OtaDataScenarioReplayer owner, JsonElement scenario)
        {
            _flash = owner._flash;
            var layout = scenario.GetProperty("layout");
            var partitions = layout.GetProperty("partitions").EnumerateArray().Select(p => new Partition(
                p.GetProperty("name").GetString()!,
                (PartitionType)p.GetProperty("type").GetByte(),
                p.GetProperty("subtype").GetByte(),
                p.GetProperty("offset").GetUInt32(),
                p.GetProperty("size").GetUInt32())).ToList();
            _table = new PartitionTable(partitions, hasMd5: true);

            // Only the part of the chip a previous scenario could have touched needs erasing again.
            long end = Math.Max(partitions.Max(p => p.End), TableOffset + 0x1000);
            end = (end + 0xFFFF) / 0x10000 * 0x10000;
            long dirty = Math.Max(end, owner._dirtyEnd);
            _flash.Erase(0, Math.Min(dirty, FlashSize));
            owner._dirtyEnd = end;

            FlashImage.Compose(_table, null, [], new FlashComposeOptions { TableOffset = TableOffset, Size = FlashSize }).WriteTo(_flash);
            _otaData = _table.FindFirst(PartitionType.Data, PartitionSubtypes.DataOta);
            if (_otaData is not null)
            {
                _flash.Write(_otaData.Offset, Convert.FromHexString(scenario.GetProperty("initial_otadata_hex_sector0_first32").GetString()!));
                _flash.Write(_otaData.Offset + 0x1000, Convert.FromHexString(scenario.GetProperty("initial_otadata_hex_sector1_first32").GetString()!));
            }

            foreach (var image in scenario.GetProperty("initial_images").EnumerateArray())
            {
                string kind = image.GetProperty("kind").GetString()!;
                if (kind == "erased")
                {
                    continue;
                }

                var partition = _table.FindFirst(label: image.GetProperty("partition").GetString()!)!;
                _flash.Write(partition.Offset, FakeImageValidator.Build(kind, image.GetProperty("secure_version").GetUInt32(), image.GetProperty("tag").GetString()!));
            }

            var config = scenario.GetProperty("config");
            _antiRollback = config.GetProperty("anti_rollback").GetBoolean();
            _efuse = new EfuseSecureVersion(config.TryGetProperty("efuse_secure_version", out var ev) ? ev.GetInt32() : 0);
            _faults = new FaultInjectingFlash(_flash);
            _device = EspDevice.Open(_faults, new BootOptions
            {
                Rollback = config.GetProperty("rollback").GetBoolean(),
                AntiRollback = _antiRollback,
            },
            new Efuse(_efuse),
            FakeImageValidator.Instance);
        }

        public string? Step(JsonElement op)
        {
            string name = op.GetProperty("op").GetString()!;
            var args = op.GetProperty("args");
            var actual = new JsonObject();
            JsonObject? interrupted = null;

            if (name is not ("reboot" or "corrupt_partition" or "corrupt_otadata") && !_device.IsRunning)
            {
                actual["skipped"] = "no_running_app";
            }
            else
            {
                if (args.TryGetProperty("power_cut_after", out var cut) && cut.ValueKind == JsonValueKind.Number)
                {
                    _faults.Arm(FaultPlan.AfterBytesWritten(cut.GetInt64(), _otaData?.Offset ?? 0, _otaData?.Size ?? 0));
                }

                try
                {
                    interrupted = Execute(name, args, actual);
                }
                catch (PowerLossException)
                {
                    actual.Clear();
                    actual["power_loss"] = true;
                    if (name == "reboot")
                    {
                        actual["selected_index"] = _device.LastSelectedIndex;
                    }

                    interrupted = Interrupt("power_loss");
                }
                catch (EspException ex) when (ex.Code == EspError.OtaSequenceSearchHangs)
                {
                    actual.Clear();
                    actual["hang"] = true;
                    interrupted = Interrupt("hang");
                }
                finally
                {
                    _faults.Disarm();
                }
            }

            return Compare("result", op.GetProperty("result"), actual)
                ?? CompareInterruption(op, interrupted)
                ?? Compare("otadata_after", op.GetProperty("otadata_after"), OtaDataSnapshot())
                ?? (op.TryGetProperty("efuse_secure_version_after", out var efuse)
                    ? Compare("efuse_secure_version_after", efuse, JsonValue.Create(_efuse.Version))
                    : null);
        }

        private string? CompareInterruption(JsonElement op, JsonObject? interrupted)
        {
            if (!op.TryGetProperty("interrupted", out var kind))
            {
                return interrupted is null ? null : $"interrupted by {interrupted["kind"]}, expected to return";
            }

            if (interrupted is null)
            {
                return $"expected interruption '{kind.GetString()}', but the op returned";
            }

            return Compare("interrupted", kind, interrupted["kind"])
                ?? Compare("otadata_at_interrupt", op.GetProperty("otadata_at_interrupt"), interrupted["otadata"])
                ?? Compare("boot_after", op.GetProperty("boot_after"), interrupted["boot"]);
        }

        private JsonObject? Execute(string name, JsonElement args, JsonObject actual)
        {
            switch (name)
            {
                case "reboot":
                    Describe(_device.Reboot(), actual);
                    return null;
                case "set_boot_partition":
                    actual["err"] = Err(() => _device.Ota.SetBootPartition(Find(args, "partition")));
                    return null;
                case "get_boot_partition":
                    actual["partition"] = _device.Ota.GetBootPartition()?.Label;
                    return null;
                case "get_running_partition":
                    actual["partition"] = _device.Ota.GetRunningPartition().Label;
                    return null;
                case "get_next_update_partition":
                    actual["partition"] = _device.Ota.GetNextUpdatePartition(Find(args, "start_from"))?.Label;
                    return null;
                case "ota":
                    RunOta(args, actual);
                    return null;
                case "get_state_partition":
                    GetState(args, actual);
                    return null;
                case "mark_app_valid_cancel_rollback":
                    actual["err"] = Err(() => _device.Ota.MarkAppValidCancelRollback());
                    return null;
                case "mark_app_invalid_rollback":
                    actual["err"] = Err(() => _device.Ota.MarkAppInvalidRollback());
                    return null;
                case "mark_app_invalid_rollback_and_reboot":
                    string err = Err(() => _device.Ota.MarkAppInvalidRollback());
                    if (err != "ESP_OK")
                    {
                        actual["err"] = err;
                        return null;
                    }

                    actual["restarted"] = true;
                    _faults.Disarm();
                    return Interrupt("restart");
                case "get_last_invalid_partition":
                    actual["partition"] = _device.Ota.GetLastInvalidPartition()?.Label;
                    return null;
                case "erase_last_boot_app_partition":
                    actual["err"] = Err(() => _device.Ota.EraseLastBootAppPartition());
                    return null;
                case "invalidate_inactive_ota_data_slot":
                    actual["err"] = Err(() => _device.Ota.InvalidateInactiveOtaDataSlot());
                    return null;
                case "check_rollback_is_possible":
                    actual["value"] = _device.Ota.CheckRollbackIsPossible();
                    return null;
                case "get_app_partition_count":
                    actual["value"] = _device.Ota.GetAppPartitionCount();
                    return null;
                case "get_partition_description":
                    try
                    {
                        var description = _device.Ota.GetPartitionDescription(Find(args, "partition"));
                        actual["err"] = "ESP_OK";
                        actual["secure_version"] = description.SecureVersion;
                        actual["version"] = description.Version;
                    }
                    catch (EspException ex) when (ex.Code != EspError.OtaSequenceSearchHangs)
                    {
                        actual["err"] = ex.Code.GetName();
                    }

                    return null;
                case "corrupt_partition":
                    CorruptPartition(args);
                    return null;
                case "corrupt_otadata":
                    CorruptOtaData(args);
                    return null;
                default:
                    throw new InvalidDataException($"unknown op '{name}'");
            }
        }

        private void RunOta(JsonElement args, JsonObject actual)
        {
            var ota = _device.Ota;
            string? target = args.GetProperty("partition").GetString();
            var partition = target == "next" ? ota.GetNextUpdatePartition() : target is null ? null : _table.FindFirst(label: target);
            actual["partition"] = partition?.Label;
            var size = args.GetProperty("image_size").GetString() switch
            {
                "unknown" => OtaImageSize.Unknown,
                "exact" => OtaImageSize.Of(FakeImageValidator.ImageLength),
                "sequential" => OtaImageSize.SequentialWrites,
                "zero" => OtaImageSize.Of(0),
                var other => throw new InvalidDataException($"unknown image_size '{other}'"),
            };
            string stopAfter = args.GetProperty("stop_after").GetString()!;

            OtaUpdate? update = null;
            string beginErr = Err(() => update = ota.Begin(partition, size));
            actual["begin_err"] = beginErr;
            if (beginErr != "ESP_OK" || stopAfter == "begin")
            {
                return;
            }

            var image = FakeImageValidator.Build(args.GetProperty("image").GetString()!, args.GetProperty("secure_version").GetUInt32(), args.GetProperty("tag").GetString()!);
            int chunk = args.GetProperty("chunk").GetInt32();
            string writeErr = "ESP_OK";
            for (int at = 0; at < image.Length && writeErr == "ESP_OK"; at += chunk)
            {
                writeErr = Err(() => update!.Write(image.AsSpan(at, Math.Min(chunk, image.Length - at))));
            }

            actual["write_err"] = writeErr;
            if (writeErr != "ESP_OK")
            {
                actual["abort_err"] = Err(() => update!.Abort());
                return;
            }

            if (stopAfter == "write")
            {
                return;
            }

            string endErr = Err(() => update!.End());
            actual["end_err"] = endErr;
            if (endErr == "ESP_OK" && args.GetProperty("set_boot").GetBoolean())
            {
                actual["set_boot_err"] = Err(() => ota.SetBootPartition(partition));
            }
        }

        private void GetState(JsonElement args, JsonObject actual)
        {
            try
            {
                var state = _device.Ota.GetStatePartition(Find(args, "partition"));
                actual["err"] = "ESP_OK";
                actual["state"] = (uint)state;
                actual["state_name"] = Enum.IsDefined(state) ? "ESP_OTA_IMG_" + OtaSelectEntry.StateName(state) : null;
            }
            catch (EspException ex) when (ex.Code != EspError.OtaSequenceSearchHangs)
            {
                actual["err"] = ex.Code.GetName();
                actual["state"] = null;
            }
        }

        private void CorruptPartition(JsonElement args)
        {
            var partition = Find(args, "partition")!;
            switch (args.GetProperty("mode").GetString())
            {
                case "erase":
                    _flash.Erase(partition.Offset, partition.Size);
                    break;
                case "invalidate":
                    _flash.Write(partition.Offset + 1, [0x00]);
                    break;
                default:
                    throw new InvalidDataException($"unknown corrupt_partition mode {args.GetProperty("mode")}");
            }
        }

        private void CorruptOtaData(JsonElement args)
        {
            long sector = _otaData!.Offset + args.GetProperty("sector").GetInt32() * 0x1000L;
            switch (args.GetProperty("mode").GetString())
            {
                case "erase":
                    _flash.Erase(sector, 0x1000);
                    break;
                case "flip_crc":
                    // A test-bench edit, not a NOR program: it may set a bit, so rewrite the whole sector.
                    var bytes = new byte[0x1000];
                    _flash.Read(sector, bytes);
                    bytes[28] ^= 0x01;
                    _flash.Erase(sector, 0x1000);
                    _flash.Write(sector, bytes);
                    break;
                default:
                    throw new InvalidDataException($"unknown corrupt_otadata mode {args.GetProperty("mode")}");
            }
        }

        private JsonObject Interrupt(string kind)
        {
            _faults.Disarm();
            _faults.PowerOn();
            var otadata = OtaDataSnapshot();
            var boot = new JsonObject();
            Describe(_device.Reboot(), boot);
            return new JsonObject { ["kind"] = kind, ["otadata"] = otadata, ["boot"] = boot };
        }

        private static void Describe(BootResult boot, JsonObject into)
        {
            into["booted"] = boot.Booted?.Label;
            into["selected_index"] = boot.SelectedIndex;
            if (boot.Booted is null)
            {
                into["reset"] = true;
            }
            else
            {
                into["running_tag"] = boot.App?.Version;
            }
        }

        private Partition? Find(JsonElement args, string key)
        {
            return args.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String
                ? _table.FindFirst(label: value.GetString()!)
                : null;
        }

        private static string Err(Action action)
        {
            try
            {
                action();
                return "ESP_OK";
            }
            catch (EspException ex) when (ex.Code != EspError.OtaSequenceSearchHangs)
            {
                return ex.Code.GetName();
            }
        }

        private JsonNode? OtaDataSnapshot()
        {
            if (_otaData is null)
            {
                return null;
            }

            var snapshot = new JsonObject();
            var contents = _flash.Contents;
            for (int s = 0; s < 2; s++)
            {
                var sector = contents.Slice((int)_otaData.Offset + s * 0x1000, 0x1000);
                snapshot[$"sector{s}_first32"] = Convert.ToHexStringLower(sector[..32]);
                snapshot[$"sector{s}_sha256"] = Convert.ToHexStringLower(SHA256.HashData(sector));
            }

            return snapshot;
        }

        private static string? Compare(string what, JsonElement expected, JsonNode? actual)
        {
            var actualElement = JsonSerializer.SerializeToElement(actual);
            return JsonElement.DeepEquals(expected, actualElement)
                ? null
                : $"{what}: expected {expected.GetRawText()}, actual {actualElement.GetRawText()}";
        }
    }
}

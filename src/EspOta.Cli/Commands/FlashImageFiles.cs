using System.CommandLine;
using System.Text.Json.Nodes;
using System.Text.Json;
using EspOta.Boot;
using EspOta.Cli.Files;
using EspOta.Flash;
using EspOta.Layout;
using EspOta.Partitions;

namespace EspOta.Cli.Commands;

/// <summary>What the flash-image commands share: loading and saving images, boot options, JSON shapes.</summary>
internal static class FlashImageFiles
{
    public static readonly System.Text.Json.JsonSerializerOptions Json = CliJson.Options;

    /// <summary>Loads a padded or unpadded flash image file (<see cref="FlashImageFile.Load"/>), after checking that the path is one.</summary>
    public static MemoryFlash Load(FileInfo file, long tableOffset = PartitionTable.DefaultOffset)
    {
        CheckImageFile(file, tableOffset);
        return FlashImageFile.Load(file.FullName, tableOffset);
    }

    /// <summary>Saves it back atomically (<see cref="FlashImageFile.Save"/>).</summary>
    public static void Save(FileInfo file, MemoryFlash flash, long originalLength) => FlashImageFile.Save(file.FullName, flash, originalLength, CliTestHooks.SavePoint);

    /// <summary>Fails with a clear message unless <paramref name="file"/> can be a whole flash image with a table at <paramref name="tableOffset"/>.</summary>
    public static void CheckImageFile(FileInfo file, long tableOffset)
    {
        CliFiles.CheckReadable(file.FullName, "flash image");
        long length = new FileInfo(file.FullName).Length;
        if (length == 0)
        {
            throw new FileProblemException($"flash image {file.FullName} is empty (0 bytes)", ExitCodes.Failure);
        }

        if (tableOffset >= 0 && length < tableOffset + PartitionTable.MaxLength)
        {
            throw new FileProblemException(
                $"flash image {file.FullName} is {length} (0x{length:x}) bytes: too short to hold a partition table at 0x{tableOffset:x} (a whole flash image reaches at least 0x{tableOffset + PartitionTable.MaxLength:x})",
                ExitCodes.Failure);
        }
    }

    public static Partition RequirePartition(PartitionTable table, string label) =>
        table.FindFirst(label: label) ?? throw new UsageException($"no partition named '{label}' in the partition table (have: {string.Join(", ", table.Partitions.Select(p => p.Label))})");

    public static PartitionTable ReadTable(IFlash flash, long offset)
    {
        var table = PartitionTable.ReadFromFlash(flash, offset);
        return table.Partitions.Count == 0
            ? throw new PartitionTableException($"no partition table at 0x{offset:x} (the first row is empty)")
            : table;
    }

    public static JsonObject DescribeBoot(BootResult boot) => new()
    {
        ["booted"] = boot.Booted?.Label,
        ["booted_offset"] = boot.Booted?.Offset,
        ["selected_index"] = boot.SelectedIndex,
        ["booted_index"] = boot.BootedIndex,
        ["reset"] = boot.IsReset,
        ["version"] = boot.App?.Version,
        ["secure_version"] = boot.App?.SecureVersion,
        ["steps"] = CliJson.Strings(boot.Steps),
    };

    /// <summary>The bootloader-configuration options several commands take.</summary>
    internal sealed class BootOptionSet
    {
        public readonly Option<bool> Rollback = new("--rollback") { Description = "Bootloader built with CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE." };
        public readonly Option<bool> AntiRollback = new("--anti-rollback") { Description = "Bootloader built with CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK (implies --rollback)." };
        public readonly Option<int> EfuseSecureVersion = new("--efuse-secure-version") { Description = "The eFuse secure version counter (0-16).", DefaultValueFactory = _ => 0 };
        public readonly Option<string> TableOffset = new("--table-offset") { Description = "Offset of the partition table.", DefaultValueFactory = _ => "0x8000" };

        public void AddTo(Command command)
        {
            command.Options.Add(Rollback);
            command.Options.Add(AntiRollback);
            command.Options.Add(EfuseSecureVersion);
            command.Options.Add(TableOffset);
        }

        /// <summary>The chip's eFuses as the options describe them (they belong to the device, not to the bootloader's configuration).</summary>
        public Efuse ReadEfuse(ParseResult parse)
        {
            int efuse = parse.GetValue(EfuseSecureVersion);
            if (efuse is < 0 or > EspOta.Boot.EfuseSecureVersion.DefaultFieldBits)
            {
                throw new UsageException($"--efuse-secure-version must be 0..{EspOta.Boot.EfuseSecureVersion.DefaultFieldBits}, got {efuse}");
            }

            return new Efuse(new EspOta.Boot.EfuseSecureVersion(efuse));
        }

        public BootOptions Read(ParseResult parse)
        {
            bool anti = parse.GetValue(AntiRollback);
            return new BootOptions
            {
                Rollback = anti || parse.GetValue(Rollback),
                AntiRollback = anti,
                PartitionTableOffset = (uint)SizeArgument.Parse(parse.GetValue(TableOffset)!, "--table-offset", max: uint.MaxValue),
            };
        }
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;
using EspOta.Cli.Commands;
using EspOta.Server.Devices;
using EspOta.Server.Firmware;
using EspOta.Server.Rollouts;

namespace EspOta.Cli;

/// <summary>
/// Source-generated JSON metadata for the typed documents the CLI sends to the server, reads from it
/// and prints (their wire names are explicit on the records). Every typed (de)serialization in the CLI
/// goes through it, so that the native AOT build has no reflection.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(FirmwareInfo))]
[JsonSerializable(typeof(FirmwareInfo[]))]
[JsonSerializable(typeof(DeviceDetails))]
[JsonSerializable(typeof(DeviceSummary[]))]
[JsonSerializable(typeof(DeviceLabels))]
[JsonSerializable(typeof(UpdateDecision))]
[JsonSerializable(typeof(DecisionRule))]
[JsonSerializable(typeof(CreateRolloutRequest))]
[JsonSerializable(typeof(RolloutView))]
[JsonSerializable(typeof(RolloutView[]))]
[JsonSerializable(typeof(DeviceAdminCommands.DevicePage))]
[JsonSerializable(typeof(DeviceAdminCommands.DeviceView))]
[JsonSerializable(typeof(EspOta.Server.Encryption.EncryptionKeyRequest))]
[JsonSerializable(typeof(EspOta.Server.Encryption.EncryptionKeyInfo))]
[JsonSerializable(typeof(Commands.EfuseFileDocument))]
internal sealed partial class CliJsonContext : JsonSerializerContext;

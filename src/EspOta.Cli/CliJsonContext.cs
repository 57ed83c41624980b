using System.Text.Json;
using System.Text.Json.Serialization;
using EspOta.Server.Devices;
using EspOta.Server.Firmware;

namespace EspOta.Cli;

/// <summary>Source-generated JSON metadata for the typed documents the CLI reads from the server and prints.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(FirmwareInfo))]
[JsonSerializable(typeof(FirmwareInfo[]))]
[JsonSerializable(typeof(DeviceDetails))]
[JsonSerializable(typeof(Commands.EfuseFileDocument))]
internal sealed partial class CliJsonContext : JsonSerializerContext;

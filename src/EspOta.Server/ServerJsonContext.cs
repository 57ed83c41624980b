using System.Text.Json;
using System.Text.Json.Serialization;
using EspOta.Http;
using EspOta.Server.Devices;
using EspOta.Server.Firmware;

namespace EspOta.Server;

/// <summary>
/// System.Text.Json source generation for everything the server reads and writes as JSON (minimal
/// API results through <see cref="Microsoft.AspNetCore.Http.Json.JsonOptions"/>, and the request bodies
/// read by <c>JsonBody</c>), so that it runs without reflection under native AOT.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(UpdateCheckRequest))]
[JsonSerializable(typeof(UpdateOffer))]
[JsonSerializable(typeof(DeviceReport))]
[JsonSerializable(typeof(FirmwareInfo))]
[JsonSerializable(typeof(FirmwareInfo[]))]
[JsonSerializable(typeof(DeviceSummary))]
[JsonSerializable(typeof(DeviceSummary[]))]
[JsonSerializable(typeof(DeviceDetails))]
[JsonSerializable(typeof(DeviceEvent))]
[JsonSerializable(typeof(Signing.SigningKeyInfo))]
[JsonSerializable(typeof(Signing.SigningKeyInfo[]))]
[JsonSerializable(typeof(Signing.AddSigningKeyRequest))]
internal sealed partial class ServerJsonContext : JsonSerializerContext;

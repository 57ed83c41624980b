using System.Text.Json;
using System.Text.Json.Serialization;
using EspOta.Http;
using EspOta.Server.Delta;
using EspOta.Server.Devices;
using EspOta.Server.Encryption;
using EspOta.Server.Firmware;
using EspOta.Server.Rollouts;

namespace EspOta.Server;

/// <summary>
/// System.Text.Json source generation for everything the server reads and writes as JSON (minimal
/// API results through <see cref="Microsoft.AspNetCore.Http.Json.JsonOptions"/>, and the request bodies
/// read by <c>JsonBody</c>), so that it runs without reflection under native AOT. It is the only
/// resolver of the API's JSON options (no reflection fallback, also under the JIT), so a result or body
/// type missing here fails the server's tests instead of only the AOT binary.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(UpdateCheckRequest))]
[JsonSerializable(typeof(UpdateOffer))]
[JsonSerializable(typeof(DeviceReport))]
[JsonSerializable(typeof(DeviceReportKind))]
[JsonSerializable(typeof(FirmwareInfo))]
[JsonSerializable(typeof(FirmwareInfo[]))]
[JsonSerializable(typeof(DeviceSummary))]
[JsonSerializable(typeof(DeviceSummary[]))]
[JsonSerializable(typeof(DeviceDetails))]
[JsonSerializable(typeof(DeviceEvent))]
[JsonSerializable(typeof(DeviceEnrollment))]
[JsonSerializable(typeof(CreateRolloutRequest))]
[JsonSerializable(typeof(RolloutView))]
[JsonSerializable(typeof(RolloutView[]))]
[JsonSerializable(typeof(RolloutState))]
[JsonSerializable(typeof(RolloutMemberStatus))]
[JsonSerializable(typeof(DecisionRule))]
[JsonSerializable(typeof(DeviceLabels))]
[JsonSerializable(typeof(UpdateDecision))]
[JsonSerializable(typeof(DeltaPatchSummary[]))]
[JsonSerializable(typeof(DeltaJobStatus[]))]
// Never serialized: the OpenAPI document asks the resolver for the schema of every body and result
// type, including the upload's raw octet-stream body (described as binary) and the text/plain probes.
[JsonSerializable(typeof(Stream))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(EncryptionKeyRequest))]
[JsonSerializable(typeof(EncryptionKeyInfo))]
[JsonSerializable(typeof(FirmwareEncryption))]
[JsonSerializable(typeof(Signing.SigningKeyInfo))]
[JsonSerializable(typeof(Signing.SigningKeyInfo[]))]
[JsonSerializable(typeof(Signing.AddSigningKeyRequest))]
internal sealed partial class ServerJsonContext : JsonSerializerContext;

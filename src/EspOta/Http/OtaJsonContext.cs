using System.Text.Json;
using System.Text.Json.Serialization;

namespace EspOta.Http;

/// <summary>
/// System.Text.Json source generation for the update protocol's wire types and the checkpoint file, so
/// that the client, the server and the native AOT <c>esp-ota</c> serialize them without reflection.
/// Names are snake_case (explicit on the wire records); reading is as lenient as the web defaults.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(UpdateCheckRequest))]
[JsonSerializable(typeof(UpdateOffer))]
[JsonSerializable(typeof(DeviceReport))]
[JsonSerializable(typeof(DeviceReportKind))]
[JsonSerializable(typeof(OtaCheckpoint))]
public sealed partial class OtaJsonContext : JsonSerializerContext;

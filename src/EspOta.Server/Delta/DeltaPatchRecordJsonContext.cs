using System.Text.Json.Serialization;

namespace EspOta.Server.Delta;

/// <summary>Source-generated JSON for the patch metadata files (default options, as they were first written).</summary>
[JsonSerializable(typeof(DeltaPatchRecord))]
internal sealed partial class DeltaPatchRecordJsonContext : JsonSerializerContext;

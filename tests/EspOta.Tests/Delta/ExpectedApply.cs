using System.Text.Json;
using EspOta.Delta;

namespace EspOta.Tests.Delta;

/// <summary>One recorded run of a C applier: <c>ok N</c> or <c>error process|finalize code message</c>, and its output.</summary>
internal sealed record ExpectedApply(bool Ok, DeltaApplyStage? Stage, DetoolsError? Error, long OutputSize, string OutputSha256)
{
    public static ExpectedApply From(JsonElement run)
    {
        var result = run.GetProperty("result").GetString()!.Split(' ', 4);
        long size = run.GetProperty("output_size").GetInt64();
        string sha = run.GetProperty("output_sha256").GetString()!;
        if (result[0] == "ok")
        {
            return new ExpectedApply(true, null, null, size, sha);
        }

        var stage = result[1] == "process" ? DeltaApplyStage.Process : DeltaApplyStage.Finalize;
        return new ExpectedApply(false, stage, (DetoolsError)int.Parse(result[2], System.Globalization.CultureInfo.InvariantCulture), size, sha);
    }
}

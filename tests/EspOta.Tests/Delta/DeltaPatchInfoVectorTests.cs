using EspOta.Delta;

namespace EspOta.Tests.Delta;

/// <summary><see cref="DeltaPatchInfo"/> prints what <c>detools patch_info</c> printed for every vector patch it could read.</summary>
public sealed class DeltaPatchInfoVectorTests
{
    public static TheoryData<string> InfoCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in DeltaVectors.Cases.Where(c => DeltaVectors.HasPatch(c) && c.TryGetProperty("patch_info", out var p) && p.ValueKind == System.Text.Json.JsonValueKind.Object))
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(InfoCases))]
    public void Info_VectorPatch_PrintsLikeDetools(string name)
    {
        var c = DeltaVectors.Case(name);
        var run = c.GetProperty("patch_info");
        var patch = DeltaVectors.DetoolsPatch(c);
        if (run.GetProperty("stdout").GetString()!.StartsWith("Type:               in-place", StringComparison.Ordinal))
        {
            // detools reads other patch types too; only sequential patches are ours (and esp_delta_ota's).
            Assert.Equal(DetoolsError.BadPatchType, Assert.Throws<DeltaPatchException>(() => DeltaPatchInfo.Read(patch)).Error);
            return;
        }

        if (run.GetProperty("exit_code").GetInt32() != 0)
        {
            Assert.Throws<DeltaPatchException>(() => DeltaPatchInfo.Read(patch));
            return;
        }

        Assert.Equal(run.GetProperty("stdout").GetString(), DeltaPatchInfo.Read(patch).ToDetoolsText());
    }
}

using System.Security.Cryptography;
using System.Text.Json;
using EspOta.Delta;
using Xunit.Abstractions;

namespace EspOta.Tests.Delta;

/// <summary>
/// Every patch of the delta vectors applied by <see cref="DeltaApplier"/> gives what detools' C applier
/// gave (built as esp_delta_ota builds it, and fully featured): the same output bytes, or the same
/// error at the same call — fed whole, 1024 bytes and one byte at a time.
/// </summary>
public sealed class DeltaApplierVectorTests(ITestOutputHelper output)
{
    public static TheoryData<string, int> CasesAndChunks()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in DeltaVectors.Cases.Where(DeltaVectors.HasPatch).Select(c => c.GetProperty("name").GetString()!))
        {
            foreach (int chunk in new[] { int.MaxValue, 1024, 1 })
            {
                data.Add(name, chunk);
            }
        }

        return data;
    }

    [Fact]
    public void Index_HasEveryKindOfCase()
    {
        var kinds = DeltaVectors.Cases.Select(c => c.GetProperty("kind").GetString()).ToList();
        output.WriteLine($"{kinds.Count} cases");
        Assert.True(kinds.Count >= 20, $"expected at least 20 delta cases, found {kinds.Count}");
        Assert.Contains("negative", kinds);
        Assert.Contains("patch_gen", kinds);
    }

    [Theory]
    [MemberData(nameof(CasesAndChunks))]
    public void Apply_EspDeltaOtaProfile_MatchesEspDeltaOtaBuild(string name, int chunk)
    {
        var c = DeltaVectors.Case(name);
        var expected = ExpectedApply.From(c.GetProperty("apply").GetProperty("esp_delta_ota-config"));
        Check(c, DeltaApplyProfile.EspDeltaOta, patchSize: null, chunk, expected);
    }

    [Theory]
    [MemberData(nameof(CasesAndChunks))]
    public void Apply_FullProfile_MatchesFullBuild(string name, int chunk)
    {
        var c = DeltaVectors.Case(name);
        var expected = ExpectedApply.From(c.GetProperty("apply").GetProperty("all-features"));
        if (expected.Error == DetoolsError.LzmaDecode)
        {
            // The full C build has liblzma; ours has no lzma, so the same patch is refused one step earlier.
            expected = expected with { Error = DetoolsError.BadCompression };
        }

        Check(c, DeltaApplyProfile.Full, patchSize: null, chunk, expected);
    }

    [Fact]
    public void Apply_NoneCompressionWithKnownPatchSize_ReproducesNew()
    {
        var c = DeltaVectors.Case("hello_world_version_string_none");
        var patch = DeltaVectors.DetoolsPatch(c);
        var target = new MemoryDeltaTarget();
        var applier = new DeltaApplier(new MemoryDeltaBase(DeltaVectors.ImageBytes(c.GetProperty("base").GetString()!)), target, DeltaApplyProfile.Full, patch.Length);
        applier.Process(patch);
        Assert.Equal(patch.Length == 0 ? 0 : applier.NewSize, applier.Finalize());
        Assert.Equal(File.ReadAllBytes(Vectors.PathOf("delta", c.GetProperty("expected_new").GetString()!)), target.ToArray());
    }

    [Theory]
    [MemberData(nameof(HeaderCases))]
    public void Header_LikeTheExample_AcceptsOrRefuses(string name)
    {
        var c = DeltaVectors.Case(name);
        var h = c.GetProperty("header");
        var patch = File.ReadAllBytes(DeltaVectors.PatchPath(c));
        var header = DeltaOtaHeader.Read(patch);
        Assert.Equal(h.GetProperty("magic").GetUInt32(), header.Magic);
        Assert.Equal(h.GetProperty("base_sha256").GetString(), Convert.ToHexStringLower(header.BaseSha256.Span));
        var running = Convert.FromHexString(DeltaVectors.Image(c.GetProperty("base").GetString()!).GetProperty("validation_hash").GetString()!);
        var buffer = new byte[DeltaOtaHeader.Size];
        header.WriteTo(buffer);
        Assert.Equal(patch[..DeltaOtaHeader.Size], buffer);
        if (h.GetProperty("example_would_accept").GetBoolean())
        {
            header.Verify(running);
            return;
        }

        var ex = Assert.Throws<DeltaHeaderException>(() => header.Verify(running));
        Assert.Equal(EspError.Fail, ex.Code);
        Assert.Equal(h.GetProperty("magic_ok").GetBoolean() ? DeltaHeaderProblem.BaseMismatch : DeltaHeaderProblem.BadMagic, ex.Problem);
    }

    public static TheoryData<string> HeaderCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in DeltaVectors.Cases.Where(c => DeltaVectors.HasPatch(c) && DeltaVectors.HasHeader(c)))
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    private void Check(JsonElement c, DeltaApplyProfile profile, long? patchSize, int chunk, ExpectedApply expected)
    {
        var patch = DeltaVectors.DetoolsPatch(c);
        var baseImage = DeltaVectors.ImageBytes(c.GetProperty("base").GetString()!);
        var target = new MemoryDeltaTarget();
        var applier = new DeltaApplier(new MemoryDeltaBase(baseImage), target, profile, patchSize);
        DeltaPatchException? failure = null;
        try
        {
            for (int at = 0; at < patch.Length; at += chunk)
            {
                applier.Process(patch.AsSpan(at, Math.Min(chunk, patch.Length - at)));
            }

            long size = applier.Finalize();
            Assert.Equal(expected.OutputSize, size);
        }
        catch (DeltaPatchException ex)
        {
            failure = ex;
            output.WriteLine($"{ex.Stage} {ex.Error}: {ex.Message}");
        }

        var produced = target.ToArray();
        if (expected.Ok)
        {
            Assert.Null(failure);
        }
        else
        {
            Assert.NotNull(failure);
            Assert.Equal(EspError.Fail, failure.Code);
            Assert.Equal(expected.Error, failure.Error);
            Assert.Equal(expected.Stage, failure.Stage);
        }

        Assert.Equal(expected.OutputSize, produced.LongLength);
        Assert.Equal(expected.OutputSha256, Convert.ToHexStringLower(SHA256.HashData(produced)));
        if (expected.Ok && c.GetProperty("apply").GetProperty("esp_delta_ota-config").GetProperty("output_equals_new").GetBoolean())
        {
            Assert.Equal(File.ReadAllBytes(Vectors.PathOf("delta", c.GetProperty("expected_new").GetString()!)), produced);
        }
    }
}

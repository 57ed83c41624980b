using EspOta.Http;
using EspOta.Server.Firmware;
using EspOta.Server.Updates;

namespace EspOta.Server.Tests.Updates;

public sealed class UpdatePolicyTests
{
    private static readonly IReadOnlySet<string> NoneRejected = new HashSet<string>();

    [Fact]
    public void Choose_FreeFormVersions_TakesTheLatestUpload()
    {
        FirmwareRecord[] firmware = [Record("a", "g1cd5752", 1), Record("b", "g9aa0001", 2), Record("c", "g0000abc", 3)];

        var chosen = UpdatePolicy.Choose(Device("g1cd5752"), firmware, NoneRejected);

        Assert.Equal("c", chosen!.Sha256);
    }

    [Fact]
    public void Choose_LatestUploadIsWhatRuns_ReturnsNull()
    {
        FirmwareRecord[] firmware = [Record("a", "g1", 1), Record("b", "g2", 2)];

        Assert.Null(UpdatePolicy.Choose(Device("g2"), firmware, NoneRejected));
    }

    [Fact]
    public void Choose_SemVerPreReleases_DeviceOnRc2IsOfferedRc10()
    {
        FirmwareRecord[] firmware = [Record("a", "1.0.0-rc.2", 1), Record("b", "1.0.0-rc.10", 2), Record("c", "1.0.0-rc.9", 3)];

        var chosen = UpdatePolicy.Choose(Device("1.0.0-rc.2"), firmware, NoneRejected);

        Assert.Equal("1.0.0-rc.10", chosen!.Version);
    }

    [Fact]
    public void Choose_NewestRejected_OffersTheNextNewest()
    {
        FirmwareRecord[] firmware = [Record("a", "1.0.0", 1), Record("b", "2.0.0", 2), Record("c", "3.0.0", 3)];

        var chosen = UpdatePolicy.Choose(Device("1.0.0"), firmware, new HashSet<string> { "c" });

        Assert.Equal("2.0.0", chosen!.Version);
    }

    [Fact]
    public void Choose_DeviceRunsUnparseableVersion_OffersNewestParseable()
    {
        FirmwareRecord[] firmware = [Record("a", "1.0.0", 1), Record("b", "2.0.0", 2)];

        var chosen = UpdatePolicy.Choose(Device("dev-build"), firmware, NoneRejected);

        Assert.Equal("2.0.0", chosen!.Version);
    }

    [Fact]
    public void Choose_MixedVersionsOlderUploadedLast_OffersTheNewerParseable()
    {
        FirmwareRecord[] firmware = [Record("a", "g1cd5752", 1), Record("b", "3.5.0", 2), Record("c", "2.1.0", 3)];

        var chosen = UpdatePolicy.Choose(Device("3.0.0"), firmware, NoneRejected);

        Assert.Equal("b", chosen!.Sha256);
    }

    [Fact]
    public void Choose_MixedVersionsNoneNewerThanRunning_ReturnsNull()
    {
        FirmwareRecord[] firmware = [Record("a", "g1cd5752", 1), Record("b", "2.1.0", 2), Record("c", "g0000abc", 3)];

        Assert.Null(UpdatePolicy.Choose(Device("3.0.0"), firmware, NoneRejected));
    }

    [Fact]
    public void Choose_RunningParsesButNoCandidateDoes_TakesTheLatestUpload()
    {
        FirmwareRecord[] firmware = [Record("a", "g1", 1), Record("b", "g2", 2)];

        var chosen = UpdatePolicy.Choose(Device("3.0.0"), firmware, NoneRejected);

        Assert.Equal("b", chosen!.Sha256);
    }

    private static UpdateCheckRequest Device(string version) => new("dev", "esp32", "p", version, 0);

    private static FirmwareRecord Record(string sha, string version, long sequence) =>
        new(sha, "p", version, 0, "esp32", 1000, "v5.5", DateTimeOffset.UnixEpoch, sequence);
}

using EspOta.Server.Updates;

namespace EspOta.Server.Tests.Updates;

public sealed class VersionOrderTests
{
    [Theory]
    [InlineData("1.2.3", "1.2.4", -1)]
    [InlineData("1.10", "1.9", 1)]
    [InlineData("v2.0", "2.0.0", 0)]
    [InlineData("2.0", "2.0-rc1", 1)]
    [InlineData("2.0-rc1", "2.0-rc2", -1)]
    [InlineData("v1.0-5-gabc1234", "v1.0", 1)] // git describe: five commits after the tag
    [InlineData("v1.0-5-gabc1234", "v1.0-12-g0123abc-dirty", -1)]
    [InlineData("v1.0-5-gabc1234", "v1.1", -1)]
    [InlineData("v2.0-rc1-3-gdeadbee", "v2.0-rc1", 1)]
    [InlineData("v2.0-rc1-3-gdeadbee", "v2.0", -1)]
    // SemVer 2.0 precedence (semver.org §11) where both sides are SemVer.
    [InlineData("1.0.0-rc.2", "1.0.0-rc.10", -1)]
    [InlineData("v1.0.0-rc.2", "1.0.0-rc.10", -1)]
    [InlineData("1.0.0-alpha", "1.0.0-alpha.1", -1)]
    [InlineData("1.0.0-alpha.1", "1.0.0-alpha.beta", -1)]
    [InlineData("1.0.0-alpha.beta", "1.0.0-beta", -1)]
    [InlineData("1.0.0-beta", "1.0.0-beta.2", -1)]
    [InlineData("1.0.0-beta.2", "1.0.0-beta.11", -1)]
    [InlineData("1.0.0-beta.11", "1.0.0-rc.1", -1)]
    [InlineData("1.0.0-rc.1", "1.0.0", -1)]
    [InlineData("1.0.0+build.7", "1.0.0+build.9", 0)]
    [InlineData("1.0.0-rc.1+build.1", "1.0.0", -1)]
    // git describe keeps its rule even though "-3-gdeadbee" is SemVer pre-release syntax.
    [InlineData("1.0.0-3-gdeadbee", "1.0.0", 1)]
    [InlineData("1.0.0-3-gdeadbee", "1.0.0-12-gdeadbee", -1)]
    public void Compare_TwoVersions_OrdersNumerically(string a, string b, int expected)
    {
        int actual = VersionOrder.Compare(VersionOrder.Parse(a)!.Value, VersionOrder.Parse(b)!.Value);

        Assert.Equal(expected, Math.Sign(actual));
    }

    [Theory]
    [InlineData("qa-test-v5.0-20220830-4-g4532e6")]
    [InlineData("1cd5752x")]
    [InlineData("")]
    public void Parse_FreeText_ReturnsNullUnlessItStartsWithANumber(string version)
    {
        var parsed = VersionOrder.Parse(version);

        Assert.Equal(version.Length > 0 && char.IsAsciiDigit(version[0]), parsed is not null);
    }
}

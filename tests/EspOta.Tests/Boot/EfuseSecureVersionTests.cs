using EspOta.Boot;

namespace EspOta.Tests.Boot;

public sealed class EfuseSecureVersionTests
{
    [Fact]
    public void Constructor_VersionK_SetsLowKBits()
    {
        var efuse = new EfuseSecureVersion(3);

        Assert.Equal(0b111u, efuse.RawBits);
        Assert.Equal(3u, efuse.Version);
    }

    [Fact]
    public void Update_Higher_BurnsThermometerBits()
    {
        var efuse = new EfuseSecureVersion(2);

        Assert.Equal(EspError.Ok, efuse.Update(5));
        Assert.Equal(0b11111u, efuse.RawBits);
        Assert.Equal(EspError.Ok, efuse.Update(5));
        Assert.Equal(5u, efuse.Version);
    }

    [Fact]
    public void Update_Lower_FailsAndKeepsBits()
    {
        var efuse = new EfuseSecureVersion(4);

        Assert.Equal(EspError.Fail, efuse.Update(3));
        Assert.Equal(4u, efuse.Version);
    }

    [Fact]
    public void Update_AboveFieldWidth_InvalidArg()
    {
        var efuse = new EfuseSecureVersion();

        Assert.Equal(EspError.InvalidArg, efuse.Update(17));
        Assert.Equal(EspError.Ok, efuse.Update(16));
        Assert.Equal(16u, efuse.Version);
    }

    [Fact]
    public void Allows_EqualOrHigher_True()
    {
        var efuse = new EfuseSecureVersion(2);

        Assert.False(efuse.Allows(1));
        Assert.True(efuse.Allows(2));
        Assert.True(efuse.Allows(3));
    }
}

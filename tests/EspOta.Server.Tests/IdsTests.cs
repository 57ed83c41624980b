namespace EspOta.Server.Tests;

public sealed class IdsTests
{
    [Theory]
    [InlineData("aa:bb:cc:00:11:22")]
    [InlineData("dev-1")]
    [InlineData("host.local")]
    [InlineData(".hidden")]
    public void IsDeviceId_Valid_ReturnsTrue(string id) => Assert.True(Ids.IsDeviceId(id));

    [Theory]
    [InlineData("")]
    [InlineData("dev-1\n")]
    [InlineData("dev-1\r\n")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("....")]
    [InlineData("dev 1")]
    public void IsDeviceId_Invalid_ReturnsFalse(string id) => Assert.False(Ids.IsDeviceId(id));

    [Fact]
    public void TryNormalizeSha256_TrailingNewline_ReturnsFalse() =>
        Assert.False(Ids.TryNormalizeSha256(new string('A', 63) + "\n", out _));

    [Fact]
    public void TryNormalizeSha256_Uppercase_ReturnsLowercase()
    {
        Assert.True(Ids.TryNormalizeSha256(new string('A', 64), out var sha));
        Assert.Equal(new string('a', 64), sha);
    }
}

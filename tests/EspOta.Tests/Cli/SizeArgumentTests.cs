using EspOta.Cli;
using EspOta.Tests.Shared;

namespace EspOta.Tests.Cli;

public sealed class SizeArgumentTests
{
    [Theory]
    [InlineData("4MB", 4L * 1024 * 1024)]
    [InlineData("4mb", 4L * 1024 * 1024)]
    [InlineData("1M", 1024L * 1024)]
    [InlineData("64K", 64L * 1024)]
    [InlineData("512KB", 512L * 1024)]
    [InlineData("0x20000", 0x20000L)]
    [InlineData("0x10K", 16L * 1024)]
    [InlineData(" 4096 ", 4096L)]
    public void Parse_ValidSize_Value(string text, long expected) =>
        Assert.Equal(expected, SizeArgument.Parse(text, "--size"));

    [Theory]
    [InlineData("9999999999999M")]
    [InlineData("99999999999999999999")]
    [InlineData("-1")]
    [InlineData("0x")]
    [InlineData("M")]
    [InlineData("1G")]
    [InlineData("")]
    public void Parse_NotASize_UsageException(string text) =>
        Assert.Throws<UsageException>(() => SizeArgument.Parse(text, "--size"));

    [Fact]
    public void Parse_OutsideRange_UsageException()
    {
        Assert.Throws<UsageException>(() => SizeArgument.Parse("0", "--size", min: 1));
        Assert.Throws<UsageException>(() => SizeArgument.Parse("17M", "--size", max: 16 * 1024 * 1024));
        Assert.Equal(16 * 1024 * 1024, SizeArgument.Parse("16M", "--size", max: 16 * 1024 * 1024));
    }

    [Theory]
    [InlineData("image", "build", "--chip", "esp32", "--project", "p", "--version", "1", "--size", "9999999999999M", "-o", "never-written.bin")]
    [InlineData("image", "build", "--chip", "esp32", "--project", "p", "--version", "1", "--payload", "3000M", "-o", "never-written.bin")]
    [InlineData("torture", "--image-size", "1G")]
    public void Commands_OverflowingSize_UsageExitCode(params string[] args)
    {
        var error = new StringWriter();
        int code = CliRunner.Run(args, new StringWriter(), error);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("is not a size", error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists("never-written.bin"));
    }
}

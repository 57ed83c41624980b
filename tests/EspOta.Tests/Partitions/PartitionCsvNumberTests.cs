using EspOta.Partitions;

namespace EspOta.Tests.Partitions;

/// <summary>
/// Numbers in CSV fields (Python <c>int(x, 0)</c> plus K/M suffixes). Each expected size or message
/// was produced by running gen_esp32part.py v5.5.5 on <c>x, data, fat, 0x9000, &lt;literal&gt;</c>;
/// a "struct.error" means the tool crashed (exit 1), where only rejection is required.
/// </summary>
public sealed class PartitionCsvNumberTests
{
    [Theory]
    [InlineData("0x1000", 0x1000, null)]
    [InlineData("0X1000", 0x1000, null)]
    [InlineData("4096", 0x1000, null)]
    [InlineData("4k", 0x1000, null)]
    [InlineData("4K", 0x1000, null)]
    [InlineData("4\u212a", 0x1000, null)]
    [InlineData("1m", 0x100000, null)]
    [InlineData("1M", 0x100000, null)]
    [InlineData("0x10K", 0x4000, null)]
    [InlineData("1kk", 0x100000, null)]
    [InlineData("0o10k", 0x2000, null)]
    [InlineData("0b1k", 0x400, null)]
    [InlineData("0x_1000", 0x1000, null)]
    [InlineData("0x1_000", 0x1000, null)]
    [InlineData("1_024", 0x400, null)]
    [InlineData("0_0k", 0x0, null)]
    [InlineData("010", null, "Error at line 1: Invalid field value 010")]
    [InlineData("0x", null, "Error at line 1: Invalid field value 0x")]
    [InlineData("k", null, "Error at line 1: Invalid field value ")]
    [InlineData("1 K", 0x400, null)]
    [InlineData(" 0x1000", 0x1000, null)]
    [InlineData("+4k", 0x1000, null)]
    [InlineData("-0x1000", null, "struct.error: argument out of range")]
    [InlineData("0x1__000", null, "Error at line 1: Invalid field value 0x1__000")]
    [InlineData("\u0664k", 0x1000, null)]
    [InlineData("\uff14k", 0x1000, null)]
    [InlineData("4kb", null, "Error at line 1: Invalid field value 4kb")]
    [InlineData("0x1000\u001f", 0x1000, null)]
    [InlineData("1e3", null, "Error at line 1: Invalid field value 1e3")]
    [InlineData("0x1000\u00a0", 0x1000, null)]
    public void FromCsv_SizeLiteral_ParsesLikeTheTool(string literal, int? expectedSize, string? expectedError)
    {
        string csv = $"x, data, fat, 0x9000, {literal}\n";
        if (expectedSize is int size)
        {
            Assert.Equal((uint)size, PartitionTable.FromCsv(csv).Partitions[0].Size);
            return;
        }

        var error = Assert.Throws<PartitionTableException>(() => PartitionTable.FromCsv(csv));
        if (!expectedError!.StartsWith("struct.error", StringComparison.Ordinal))
        {
            Assert.Equal(expectedError, error.Message.Split('\n')[0]);
        }
    }
}

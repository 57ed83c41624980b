namespace EspOta.Partitions;

/// <summary>What one <see cref="PartitionTableConverter.Convert"/> run produced.</summary>
/// <param name="InputIsBinary">The input started with <c>AA 50</c> and was read as a binary table.</param>
/// <param name="Table">The table read.</param>
/// <param name="Output">The converted form: the 0xC00-byte binary for CSV input, the UTF-8 CSV text for binary input.</param>
/// <param name="Warnings">The tool's WARNING lines, in order.</param>
public sealed record PartitionConversion(bool InputIsBinary, PartitionTable Table, byte[] Output, IReadOnlyList<string> Warnings);

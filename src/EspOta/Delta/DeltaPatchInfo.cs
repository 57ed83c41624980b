using System.Globalization;
using System.Text;

namespace EspOta.Delta;

/// <summary>
/// What <c>detools patch_info</c> reports about a sequential patch (detools <c>info.py</c>,
/// <c>_patch_info_sequential</c>): sizes, compression, and every diff/extra/adjustment record.
/// </summary>
public sealed record DeltaPatchInfo(
    long PatchSize,
    DetoolsCompression Compression,
    HeatshrinkParameters? Heatshrink,
    long DataFormatSize,
    long NewSize,
    IReadOnlyList<long> DiffSizes,
    IReadOnlyList<long> ExtraSizes,
    IReadOnlyList<long> Adjustments,
    long SizeBytes)
{
    /// <summary>Reads a detools sequential patch (without the esp_delta_ota header).</summary>
    public static DeltaPatchInfo Read(ReadOnlySpan<byte> patch)
    {
        if (patch.IsEmpty)
        {
            throw Fail(DetoolsError.ShortHeader, 0, "failed to read the patch header");
        }

        int type = (patch[0] >> 4) & 0x7;
        if (type != 0)
        {
            throw Fail(DetoolsError.BadPatchType, 0, $"expected patch type 0 (sequential), but got {type}");
        }

        var compression = (DetoolsCompression)(patch[0] & 0xF);
        if (!DetoolsSize.TryRead(patch[1..], out long newSize, out int sizeLength))
        {
            throw Fail(DetoolsError.NotEnoughPatchData, 1, "the patch ends inside the new image size");
        }

        if (newSize == 0)
        {
            return new DeltaPatchInfo(patch.Length, compression, null, 0, 0, [], [], [], 0);
        }

        byte[] stream;
        HeatshrinkParameters? heatshrink;
        try
        {
            (stream, heatshrink) = Decompress(compression, patch[(1 + sizeLength)..]);
        }
        catch (DetoolsFailure failure)
        {
            throw Fail(failure.Error, patch.Length, failure.Message);
        }

        long patchLength = patch.Length;
        int at = 0;
        long Next(out int length)
        {
            if (!DetoolsSize.TryRead(stream.AsSpan(at), out long value, out length))
            {
                throw Fail(DetoolsError.NotEnoughPatchData, patchLength, "the patch ends inside a size number");
            }

            at += length;
            return value;
        }

        long dataFormat = Next(out _);
        if (dataFormat > 0)
        {
            throw Fail(DetoolsError.NotImplemented, patch.Length, $"a data-format section of {dataFormat} bytes is not supported");
        }

        var diffs = new List<long>();
        var extras = new List<long>();
        var adjustments = new List<long>();
        long sizeBytes = 0;
        long position = 0;
        while (position < newSize)
        {
            long diff = Next(out int n1);
            if (diff < 0 || position + diff > newSize)
            {
                throw Fail(DetoolsError.CorruptPatch, patch.Length, "patch diff data too long");
            }

            diffs.Add(diff);
            at = Skip(stream, at, diff, patch.Length);
            position += diff;
            long extra = Next(out int n2);
            if (extra < 0 || position + extra > newSize)
            {
                throw Fail(DetoolsError.CorruptPatch, patch.Length, "patch extra data too long");
            }

            extras.Add(extra);
            at = Skip(stream, at, extra, patch.Length);
            position += extra;
            adjustments.Add(Next(out int n3));
            sizeBytes += n1 + n2 + n3;
        }

        if (at != stream.Length)
        {
            throw Fail(DetoolsError.CorruptPatch, patch.Length, "end of patch not found");
        }

        return new DeltaPatchInfo(patch.Length, compression, heatshrink, 0, newSize, diffs, extras, adjustments, sizeBytes);
    }

    /// <summary>The text <c>detools patch_info</c> prints (human-readable sizes, as without <c>--no-human</c>).</summary>
    public string ToDetoolsText()
    {
        long diffBytes = DiffSizes.Sum();
        long extraBytes = ExtraSizes.Sum();
        var text = new StringBuilder();
        text.Append("Type:               sequential\n");
        text.Append($"Patch size:         {HumanSize(PatchSize)}\n");
        text.Append($"To size:            {HumanSize(NewSize)}\n");
        text.Append($"Patch/to ratio:     {Ratio(PatchSize, NewSize)} % (lower is better)\n");
        text.Append($"Diff/extra ratio:   {Ratio(diffBytes, extraBytes)} % (higher is better)\n");
        text.Append($"Size/data ratio:    {Ratio(SizeBytes, diffBytes + extraBytes)} % (lower is better)\n");
        string compression = CompressionName(Compression);
        if (Compression == DetoolsCompression.Heatshrink && Heatshrink is { } h)
        {
            compression += $" ({h})";
        }

        text.Append($"Compression:        {compression}\n");
        text.Append($"Data format size:   {HumanSize(DataFormatSize)}\n");
        text.Append('\n');
        text.Append($"Number of diffs:    {DiffSizes.Count}\n");
        text.Append($"Total diff size:    {HumanSize(diffBytes)}\n");
        text.Append($"Average diff size:  {Average(DiffSizes)}\n");
        text.Append($"Median diff size:   {Median(DiffSizes)}\n");
        text.Append('\n');
        text.Append($"Number of extras:   {ExtraSizes.Count}\n");
        text.Append($"Total extra size:   {HumanSize(extraBytes)}\n");
        text.Append($"Average extra size: {Average(ExtraSizes)}\n");
        text.Append($"Median extra size:  {Median(ExtraSizes)}\n");
        return text.ToString();
    }

    /// <summary>detools' name of a compression (<c>common.py</c>).</summary>
    public static string CompressionName(DetoolsCompression compression) => compression switch
    {
        DetoolsCompression.None => "none",
        DetoolsCompression.Lzma => "lzma",
        DetoolsCompression.Crle => "crle",
        DetoolsCompression.Bz2 => "bz2",
        DetoolsCompression.Heatshrink => "heatshrink",
        DetoolsCompression.Zstd => "zstd",
        DetoolsCompression.Lz4 => "lz4",
        _ => ((int)compression).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>humanfriendly's <c>format_size(value, binary=True)</c>: "N bytes" below 1 KiB, else two decimals without trailing zeros.</summary>
    public static string HumanSize(long value)
    {
        string[] units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        for (int k = units.Length; k >= 1; k--)
        {
            decimal divider = (decimal)Math.Pow(1024, k);
            if (value >= divider)
            {
                decimal number = Math.Round(value / divider, 2, MidpointRounding.ToEven);
                string digits = number.ToString("0.00", CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.');
                return $"{digits} {units[k - 1]}";
            }
        }

        return value == 1 ? "1 byte" : $"{value} bytes";
    }

    // Python's round(100 * n / d, 1), printed as repr() of the float.
    private static string Ratio(long numerator, long denominator)
    {
        if (denominator <= 0)
        {
            return "inf";
        }

        double x = (double)(100 * numerator) / denominator;
        string exact = x.ToString("F60", CultureInfo.InvariantCulture);
        int dot = exact.IndexOf('.', StringComparison.Ordinal);
        decimal kept = decimal.Parse(exact[..(dot + 2)], CultureInfo.InvariantCulture);
        char next = exact[dot + 2];
        bool restNonZero = exact[(dot + 3)..].Any(c => c != '0');
        int lastDigit = exact[dot + 1] - '0';
        if (next > '5' || (next == '5' && (restNonZero || lastDigit % 2 == 1)))
        {
            kept += 0.1m;
        }

        return kept.ToString("0.0", CultureInfo.InvariantCulture);
    }

    private string Average(IReadOnlyList<long> sizes) =>
        sizes.Count == 0 ? "-" : HumanSize(sizes.Sum() / sizes.Count);

    private string Median(IReadOnlyList<long> sizes)
    {
        if (sizes.Count == 0)
        {
            return "-";
        }

        var sorted = sizes.Order().ToArray();
        int middle = sorted.Length / 2;
        return HumanSize(sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2);
    }

    private static int Skip(byte[] stream, int at, long count, long patchLength)
    {
        if (at + count > stream.Length)
        {
            throw Fail(DetoolsError.NotEnoughPatchData, patchLength, "the patch ends inside diff or extra data");
        }

        return at + (int)count;
    }

    private static (byte[] Stream, HeatshrinkParameters? Heatshrink) Decompress(DetoolsCompression compression, ReadOnlySpan<byte> data)
    {
        switch (compression)
        {
            case DetoolsCompression.None:
                return (data.ToArray(), null);
            case DetoolsCompression.Heatshrink:
            {
                if (data.IsEmpty)
                {
                    throw Fail(DetoolsError.NotEnoughPatchData, 0, "the heatshrink stream has no header byte");
                }

                var parameters = HeatshrinkParameters.FromHeaderByte(data[0]);
                if (!parameters.IsSupported)
                {
                    throw Fail(DetoolsError.HeatshrinkHeader, 0, $"heatshrink {parameters} is not supported");
                }

                var decoder = new HeatshrinkDecoder(parameters);
                var output = new MemoryStream();
                var buffer = new byte[4096];
                foreach (byte b in data[1..])
                {
                    decoder.Sink(b);
                    int n;
                    while ((n = decoder.Poll(buffer)) > 0)
                    {
                        output.Write(buffer, 0, n);
                    }
                }

                return (output.ToArray(), parameters);
            }

            case DetoolsCompression.Crle:
            {
                var reader = new CrlePatchReader();
                var cursor = new PatchCursor(data);
                var output = new MemoryStream();
                var buffer = new byte[4096];
                int n;
                while ((n = reader.Decompress(ref cursor, buffer)) > 0)
                {
                    output.Write(buffer, 0, n);
                }

                return (output.ToArray(), null);
            }

            default:
                throw Fail(DetoolsError.BadCompression, 0, $"compression {CompressionName(compression)} is not supported here");
        }
    }

    private static DeltaPatchException Fail(DetoolsError error, long offset, string detail) =>
        new(error, DeltaApplyStage.Process, offset, 0, detail);
}

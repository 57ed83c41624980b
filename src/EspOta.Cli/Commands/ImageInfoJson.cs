using System.Security.Cryptography;
using System.Text.Json.Nodes;
using EspOta.Images;

namespace EspOta.Cli.Commands;

/// <summary>
/// The facts of an <see cref="AppImage"/> as one JSON object, with the field names and shapes of the
/// image vectors (<c>shared/vectors/images/&lt;name&gt;.json</c>, section 2 of the vectors README).
/// </summary>
public static class ImageInfoJson
{
    /// <summary>The facts of a parsed image.</summary>
    public static JsonObject Build(AppImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var bytes = image.Bytes.Span;
        var ext = image.ExtendedHeader;
        var segments = new JsonArray();
        foreach (var s in image.Segments)
        {
            segments.Add((JsonNode)new JsonObject
            {
                ["index"] = s.Index,
                ["load_addr"] = s.LoadAddress,
                ["length"] = s.Length,
                ["length_in_header"] = s.LengthInHeader,
                ["file_offset"] = s.FileOffset,
                ["data_offset"] = s.DataOffset,
                ["memory_types"] = new JsonArray([.. image.MemoryTypesOf(s).Select(t => (JsonNode)t)]),
                ["include_in_checksum"] = s.IncludeInChecksum,
            });
        }

        JsonObject? sha = image.Digest is { } d
            ? new JsonObject
            {
                ["stored"] = Hex(d.Stored.Span),
                ["calculated"] = Hex(d.Calculated.Span),
                ["valid"] = d.IsValid,
                ["file_offset"] = d.FileOffset,
                ["covered_length"] = d.CoveredLength,
                ["stored_length"] = d.StoredLength,
            }
            : null;

        long trailing = image.TrailingBytes;
        return new JsonObject
        {
            ["file_size"] = image.FileLength,
            ["file_sha256"] = Hex(SHA256.HashData(bytes)),
            ["chip"] = image.Chip.Name,
            ["error"] = null,
            ["load_messages"] = new JsonArray([.. image.LoadMessages.Select(m => (JsonNode)m)]),
            ["valid"] = image.IsValid,
            ["magic"] = image.Magic,
            ["image_format_version"] = image.FormatVersion,
            ["header_segment_count"] = image.HeaderSegmentCount,
            ["segment_count"] = image.Segments.Count,
            ["chip_id"] = ext?.ChipId,
            ["chip_id_name"] = ext is { } e ? Chip.EsptoolNameOfImageId(e.ChipId) : null,
            ["flash_mode"] = (byte)image.Header.FlashMode,
            ["flash_mode_name"] = image.FlashModeName,
            ["flash_size_freq"] = image.Header.FlashSizeFrequency,
            ["flash_size"] = image.Header.FlashSizeNibble,
            ["flash_size_name"] = image.FlashSizeName,
            ["flash_freq"] = image.Header.FlashFrequencyNibble,
            ["flash_freq_name"] = image.FlashFrequencyName,
            ["entry"] = image.Header.EntryPoint,
            ["wp_pin"] = ext?.WpPin,
            ["spi_drive"] = ext is { } x
                ? new JsonObject { ["clk"] = x.ClkDrive, ["q"] = x.QDrive, ["d"] = x.DDrive, ["cs"] = x.CsDrive, ["hd"] = x.HdDrive, ["wp"] = x.WpDrive }
                : null,
            ["min_chip_rev"] = ext?.MinChipRevision,
            ["min_chip_rev_full"] = ext?.MinChipRevisionFull,
            ["max_chip_rev_full"] = ext?.MaxChipRevisionFull,
            ["hash_appended"] = ext?.HashAppended,
            ["segments"] = segments,
            ["checksum"] = new JsonObject
            {
                ["stored"] = image.StoredChecksum,
                ["calculated"] = image.CalculatedChecksum,
                ["valid"] = image.ChecksumValid,
                ["file_offset"] = image.ChecksumOffset,
            },
            ["sha256"] = sha,
            ["image_length_without_signature"] = image.ImageLengthWithoutSignature,
            ["trailing_bytes"] = trailing,
            ["trailing_head_hex"] = trailing > 0
                ? Hex(bytes.Slice((int)image.ImageLengthWithoutSignature, (int)Math.Min(16, trailing)))
                : null,
            ["signature_sector_offset"] = image.SignatureSectorOffset,
            ["signature_blocks"] = image.SignatureSectorOffset is null ? null : image.SignatureBlocks.Count,
            ["signature_sector"] = ImageSignatureCommands.SectorJson(image),
            ["app_desc"] = image.AppDescription is { } a ? AppDescriptionJson(a, image.AppDescriptionReportedByEsptool) : null,
            ["bootloader_desc"] = image.BootloaderDescription is { } b ? BootloaderDescriptionJson(b, image.BootloaderDescriptionReportedByEsptool) : null,
        };
    }

    /// <summary>The facts for an input esptool cannot load.</summary>
    public static JsonObject Error(string chip, ReadOnlySpan<byte> bytes, ImageFormatException error) => new()
    {
        ["file_size"] = bytes.Length,
        ["file_sha256"] = Hex(SHA256.HashData(bytes)),
        ["chip"] = chip,
        ["error"] = error.Message,
        ["error_offset"] = error.Offset,
        ["load_messages"] = new JsonArray([.. error.LoadMessages.Select(m => (JsonNode)m)]),
        ["valid"] = false,
    };

    private static JsonObject AppDescriptionJson(AppDescription a, bool reported)
    {
        var raw = a.Raw is { } r ? r.ToArray() : [];
        return new JsonObject
        {
            ["magic"] = a.Magic,
            ["secure_version"] = a.SecureVersion,
            ["version"] = a.Version,
            ["project_name"] = a.ProjectName,
            ["time"] = a.Time,
            ["date"] = a.Date,
            ["idf_ver"] = a.IdfVersion,
            ["app_elf_sha256"] = Hex(a.AppElfSha256.Span),
            ["min_efuse_blk_rev_full"] = a.MinEfuseBlockRevisionFull,
            ["max_efuse_blk_rev_full"] = a.MaxEfuseBlockRevisionFull,
            ["mmu_page_size_log2"] = a.MmuPageSizeLog2,
            ["mmu_page_size"] = a.MmuPageSize,
            ["raw_hex"] = Hex(raw),
            ["file_offset"] = AppDescription.ImageOffset,
            ["reported_by_esptool_image_info"] = reported,
        };
    }

    private static JsonObject BootloaderDescriptionJson(BootloaderDescription b, bool reported) => new()
    {
        ["magic"] = b.Magic,
        ["version"] = b.Version,
        ["idf_ver"] = b.IdfVersion,
        ["date_time"] = b.DateTime,
        ["raw_hex"] = Hex(b.Raw.Span),
        ["file_offset"] = AppDescription.ImageOffset,
        ["reported_by_esptool_image_info"] = reported,
    };

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}

using System.Buffers.Binary;
using EspOta.Images;

namespace EspOta.Server.Firmware;

/// <summary>What the server learns from an uploaded file before accepting it.</summary>
internal sealed record ImageFacts(string? ProblemType, string? Detail, string Chip, AppDescription? App)
{
    public bool IsAcceptable => ProblemType is null;

    public static ImageFacts Reject(string problemType, string detail, string chip = "", AppDescription? app = null) =>
        new(problemType, detail, chip, app);
}

/// <summary>Checks an uploaded image: it must verify, name a known chip and carry an <c>esp_app_desc_t</c>.</summary>
internal static class ImageInspection
{
    // Interim checks until EspOta.Images.ImageVerifier is merged: magic, chip id of the extended
    // header (esp_image_format.h) and the app description at 0x20.
    private const int HeaderSize = 24;
    private const int ChipIdOffset = 12;

    public static ImageFacts Inspect(Stream image)
    {
        Span<byte> head = stackalloc byte[AppDescription.ImageOffset + AppDescription.Size];
        int read = image.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read < HeaderSize || head[0] != 0xE9)
        {
            return ImageFacts.Reject(ProblemTypes.InvalidImage, "not an ESP app image: bad magic or too short");
        }

        ushort chipId = BinaryPrimitives.ReadUInt16LittleEndian(head[ChipIdOffset..]);
        string? chip = chipId switch
        {
            0x0000 => "esp32",
            0x0002 => "esp32s2",
            0x0005 => "esp32c3",
            0x0009 => "esp32s3",
            0x000C => "esp32c2",
            0x000D => "esp32c6",
            0x0010 => "esp32h2",
            0x0012 => "esp32p4",
            0x0014 => "esp32c61",
            0x0017 => "esp32c5",
            _ => null,
        };
        if (chip is null)
        {
            return ImageFacts.Reject(ProblemTypes.UnknownChip, $"chip id 0x{chipId:x4} at offset 0x{ChipIdOffset:x} names no known chip");
        }

        if (read < head.Length || !AppDescription.HasMagic(head[AppDescription.ImageOffset..]))
        {
            return ImageFacts.Reject(ProblemTypes.NoAppDescription, $"no esp_app_desc_t (magic 0x{AppDescription.MagicWord:x8}) at offset 0x{AppDescription.ImageOffset:x}", chip);
        }

        return new ImageFacts(null, null, chip, AppDescription.Read(head[AppDescription.ImageOffset..]));
    }
}

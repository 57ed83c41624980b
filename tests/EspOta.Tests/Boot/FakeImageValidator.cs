using System.Buffers.Binary;
using System.Text;
using EspOta.Boot;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Partitions;

namespace EspOta.Tests.Boot;

/// <summary>
/// The image rule of the otadata vectors (vectors/otadata/README.md §2), exactly as the ESP-IDF
/// harness stubbed <c>esp_image_verify</c> and <c>bootloader_load_image</c>: an image is valid iff
/// byte 0 is 0xE9 and byte 1 is not 0. <see cref="Build"/> writes the 256-byte fake images.
/// </summary>
public sealed class FakeImageValidator : IAppImageValidator
{
    /// <summary>Length of a fake image.</summary>
    public const int ImageLength = 256;

    /// <summary>The one instance.</summary>
    public static FakeImageValidator Instance { get; } = new();

    /// <inheritdoc />
    public AppImageValidation Validate(IFlash flash, Partition partition)
    {
        Span<byte> head = stackalloc byte[2];
        flash.Read(partition.Offset, head);
        return head[0] == 0xE9 && head[1] != 0
            ? AppImageValidation.Valid()
            : AppImageValidation.Invalid($"fake image rule: bytes {head[0]:x2} {head[1]:x2}");
    }

    /// <summary>A fake image of kind <c>valid</c>, <c>invalid</c> or <c>badmagic</c>.</summary>
    public static byte[] Build(string kind, uint secureVersion, string tag)
    {
        var image = new byte[ImageLength];
        image[0] = kind == "badmagic" ? (byte)0x00 : (byte)0xE9;
        image[1] = kind == "valid" ? (byte)0x01 : (byte)0x00;
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(32), 0xABCD5432);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(36), secureVersion);
        Encoding.ASCII.GetBytes(tag, image.AsSpan(48, 32));
        return image;
    }
}

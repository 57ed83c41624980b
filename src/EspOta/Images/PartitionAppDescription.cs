using EspOta.Flash;
using EspOta.Partitions;

namespace EspOta.Images;

/// <summary>
/// Reads the <c>esp_app_desc_t</c> at offset 0x20 of a partition straight from flash, without
/// verifying the image, as <c>bootloader_common_get_partition_description</c> (bootloader_utility.c)
/// and <c>esp_ota_get_partition_description</c> (esp_ota_ops.c) do.
/// </summary>
public static class PartitionAppDescription
{
    /// <summary>The description, or null when the magic word is not there (ESP_ERR_NOT_FOUND in C).</summary>
    public static AppDescription? TryRead(IFlash flash, Partition partition)
    {
        ArgumentNullException.ThrowIfNull(flash);
        ArgumentNullException.ThrowIfNull(partition);
        long address = (long)partition.Offset + AppDescription.ImageOffset;
        if (partition.Size < AppDescription.ImageOffset + AppDescription.Size || address + AppDescription.Size > flash.Size)
        {
            return null;
        }

        Span<byte> buffer = stackalloc byte[AppDescription.Size];
        flash.Read(address, buffer);
        return AppDescription.HasMagic(buffer) ? AppDescription.Read(buffer) : null;
    }
}

namespace EspOta.Flash;

/// <summary>The argument checks every <see cref="IFlash"/> implementation shares.</summary>
internal static class FlashBounds
{
    public static void CheckRange(IFlash flash, long address, long length)
    {
        if (address < 0 || length < 0 || address > flash.Size || length > flash.Size - address)
        {
            throw new ArgumentOutOfRangeException(nameof(address),
                $"flash access 0x{address:x}+0x{length:x} is outside the chip (size 0x{flash.Size:x})");
        }
    }

    public static void CheckErase(IFlash flash, long address, long length)
    {
        CheckRange(flash, address, length);
        if (address % flash.SectorSize != 0 || length % flash.SectorSize != 0)
        {
            throw new ArgumentException(
                $"erase 0x{address:x}+0x{length:x} is not aligned to the 0x{flash.SectorSize:x}-byte sector",
                nameof(address));
        }
    }
}

namespace EspOta.Flash;

/// <summary>
/// How long a NOR flash chip takes for what ESP-IDF's <c>esp_flash</c> driver asks of it, from the
/// chip's datasheet figures (typical and maximum) and the SPI bus the ESP32 drives it with.
/// </summary>
/// <remarks>
/// The driver's shape comes from ESP-IDF v5.5.5: <c>esp_flash_erase_region</c> (esp_flash_api.c) erases
/// a 64 KiB block wherever the range is block-aligned and at least a block remains, else a 4 KiB sector;
/// writes are split at 256-byte page boundaries and sent at most 64 bytes per page-program command
/// (<c>SPI_FLASH_HAL_MAX_WRITE_BYTES</c>, hal/spi_flash_hal.h); reads go 64 bytes per transaction
/// (<c>SPI_FLASH_HAL_MAX_READ_BYTES</c>). Each program or erase waits for the chip to finish (busy
/// polling in spi_flash_chip_generic.c). The figures are documented in docs/power-loss.md.
/// </remarks>
public sealed record FlashTiming
{
    /// <summary>The page size of a program command.</summary>
    public const int PageSize = 256;

    /// <summary>The bytes one program command carries on the ESP32's SPI1 host.</summary>
    public const int MaxProgramBytes = 64;

    /// <summary>The bytes one read transaction carries.</summary>
    public const int MaxReadBytes = 64;

    /// <summary>The erase block <c>esp_flash_erase_region</c> prefers.</summary>
    public const int BlockSize = 64 * 1024;

    /// <summary>Name of the part the figures come from.</summary>
    public required string Part { get; init; }

    /// <summary>4 KiB sector erase, tSE (typical, max).</summary>
    public required FlashDuration SectorErase { get; init; }

    /// <summary>64 KiB block erase, tBE2 (typical, max).</summary>
    public required FlashDuration BlockErase { get; init; }

    /// <summary>First byte of a program, tBP1 (typical, max).</summary>
    public required FlashDuration FirstByteProgram { get; init; }

    /// <summary>Each further byte of a program, tBP2 (typical, max).</summary>
    public required FlashDuration NextByteProgram { get; init; }

    /// <summary>A whole-page program, tPP (typical, max): the cap of the per-byte sum.</summary>
    public required FlashDuration PageProgram { get; init; }

    /// <summary>SPI clock in Hz (esptool's <c>--flash_freq</c>; ESP-IDF's default 40 MHz).</summary>
    public long ClockHz { get; init; } = 40_000_000;

    /// <summary>Data lines in reads: 1 (DOUT/slow), 2 (DIO, ESP-IDF's default), 4 (QIO).</summary>
    public int ReadLines { get; init; } = 2;

    /// <summary>
    /// The Winbond W25Q32JV (32 Mbit, the part in many ESP32-WROOM-32 modules), datasheet rev. F
    /// (2017-05-11), §9.6 AC Electrical Characteristics: tSE 45 / 400 ms, tBE2 150 / 2000 ms,
    /// tBP1 30 / 50 µs, tBP2 2.5 / 12 µs, tPP 0.4 / 3 ms. Driven at 40 MHz DIO.
    /// </summary>
    public static FlashTiming W25Q32JV { get; } = new()
    {
        Part = "Winbond W25Q32JV",
        SectorErase = new(TimeSpan.FromMilliseconds(45), TimeSpan.FromMilliseconds(400)),
        BlockErase = new(TimeSpan.FromMilliseconds(150), TimeSpan.FromMilliseconds(2000)),
        FirstByteProgram = new(TimeSpan.FromMicroseconds(30), TimeSpan.FromMicroseconds(50)),
        NextByteProgram = new(TimeSpan.FromMicroseconds(2.5), TimeSpan.FromMicroseconds(12)),
        PageProgram = new(TimeSpan.FromMilliseconds(0.4), TimeSpan.FromMilliseconds(3)),
    };

    /// <summary>The default model: <see cref="W25Q32JV"/>.</summary>
    public static FlashTiming Default => W25Q32JV;

    /// <summary>Time of <c>esp_flash_erase_region(address, length)</c>.</summary>
    public FlashDuration Erase(long address, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        long blocks = 0, sectors = 0;
        for (long at = address, left = length; left > 0;)
        {
            if (left >= BlockSize && at % BlockSize == 0)
            {
                blocks++;
                at += BlockSize;
                left -= BlockSize;
            }
            else
            {
                long step = Math.Min(left, 4096);
                sectors++;
                at += step;
                left -= step;
            }
        }

        return (BlockErase * blocks) + (SectorErase * sectors) + (Command(8 + 24) * (blocks + sectors));
    }

    /// <summary>Time of <c>esp_flash_write(address, length)</c>: page-split, 64-byte program commands.</summary>
    public FlashDuration Program(long address, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var total = FlashDuration.Zero;
        for (long at = address, left = length; left > 0;)
        {
            long pageLeft = PageSize - (at % PageSize);
            int n = (int)Math.Min(Math.Min(left, pageLeft), MaxProgramBytes);
            total += ProgramCommand(n);
            at += n;
            left -= n;
        }

        return total;
    }

    /// <summary>Time of reading <paramref name="length"/> bytes (fast read, 64-byte transactions).</summary>
    public FlashDuration Read(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        long transactions = (length + MaxReadBytes - 1) / MaxReadBytes;
        // Command on one line; address, mode bits and data on ReadLines lines (DIO: 0xBB, QIO: 0xEB).
        long clocks = (transactions * (8 + ((24 + 8) / ReadLines))) + (length * 8 / ReadLines);
        var t = Clocks(clocks);
        return new(t, t);
    }

    private FlashDuration ProgramCommand(int bytes)
    {
        // Write enable (8 clocks), then page program 0x02 on one line: command, address, data.
        var bus = Command(8) + Command(8 + 24 + (bytes * 8));
        var busy = FirstByteProgram + (NextByteProgram * (bytes - 1));
        busy = new(Min(busy.Typical, PageProgram.Typical), Min(busy.Maximum, PageProgram.Maximum));
        return bus + busy;
    }

    private FlashDuration Command(long clocks)
    {
        var t = Clocks(clocks);
        return new(t, t);
    }

    private TimeSpan Clocks(long clocks) => TimeSpan.FromTicks(clocks * TimeSpan.TicksPerSecond / ClockHz);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}

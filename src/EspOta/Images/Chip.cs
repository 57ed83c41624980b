using System.Collections.Frozen;

namespace EspOta.Images;

/// <summary>
/// A chip family that ESP-IDF v5.5 builds app images for: its image chip id (<c>esp_chip_id_t</c> in
/// <c>esp_app_format.h</c>), esptool v4.8.1's memory map and flash size/frequency encodings
/// (<c>esptool/targets/*.py</c>), and the flash-mapped ranges the bootloader maps rather than loads
/// (<c>SOC_IROM_*</c>/<c>SOC_DROM_*</c> in <c>soc/&lt;chip&gt;/include/soc/soc.h</c>).
/// </summary>
public sealed class Chip
{
    // Encodings shared by most chips (esptool ESP32ROM.FLASH_SIZES / FLASH_FREQUENCY).
    private static readonly (string Name, byte Value)[] Esp32FlashSizes =
    [
        ("1MB", 0x00), ("2MB", 0x10), ("4MB", 0x20), ("8MB", 0x30),
        ("16MB", 0x40), ("32MB", 0x50), ("64MB", 0x60), ("128MB", 0x70),
    ];

    private static readonly (string Name, byte Value)[] Esp32FlashFrequencies = [("80m", 0xF), ("40m", 0x0), ("26m", 0x1), ("20m", 0x2)];

    private readonly (string Name, byte Value)[] _flashSizes;
    private readonly (string Name, byte Value)[] _flashFrequencies;
    private readonly MemoryRegion[] _memoryMap;
    private readonly AddressRange[] _mappedRanges;
    private readonly AddressRange[] _loadableRanges;

    private Chip(string name, string displayName, ushort? imageChipId, MemoryRegion[] memoryMap,
        (string, byte)[] flashSizes, (string, byte)[] flashFrequencies, AddressRange iromMap, AddressRange dromMap,
        AddressRange[] mappedRanges, AddressRange[] loadableRanges, bool mmuPageSizeConfigurable = false, bool knownToEsptool = true)
    {
        Name = name;
        DisplayName = displayName;
        ImageChipId = imageChipId;
        _memoryMap = memoryMap;
        _flashSizes = flashSizes;
        _flashFrequencies = flashFrequencies;
        IromMap = iromMap;
        DromMap = dromMap;
        _mappedRanges = mappedRanges;
        _loadableRanges = loadableRanges;
        MmuPageSizeConfigurable = mmuPageSizeConfigurable;
        KnownToEsptool = knownToEsptool;
    }

    /// <summary>ESP-IDF target / esptool chip name, lower case (<c>esp32c6</c>).</summary>
    public string Name { get; }

    /// <summary>esptool's <c>CHIP_NAME</c> (<c>ESP32-C6</c>).</summary>
    public string DisplayName { get; }

    /// <summary>The extended header's chip id (<c>esp_chip_id_t</c>); null for the ESP8266, whose images have no extended header.</summary>
    public ushort? ImageChipId { get; }

    /// <summary>Whether images for this chip carry the 16-byte extended header.</summary>
    public bool HasExtendedHeader => ImageChipId is not null;

    /// <summary>esptool's memory map, in its order (a segment gets every type whose region holds its load address).</summary>
    public IReadOnlyList<MemoryRegion> MemoryMap => _memoryMap;

    /// <summary>esptool's <c>IROM_MAP_START</c>..<c>IROM_MAP_END</c>: where <c>elf2image</c> treats a segment as flash-mapped code.</summary>
    public AddressRange IromMap { get; }

    /// <summary>esptool's <c>DROM_MAP_START</c>..<c>DROM_MAP_END</c>: flash-mapped read-only data.</summary>
    public AddressRange DromMap { get; }

    /// <summary>Ranges the bootloader maps from flash instead of loading (<c>should_map</c> in <c>esp_image_format.c</c>).</summary>
    public IReadOnlyList<AddressRange> MappedRanges => _mappedRanges;

    /// <summary>RAM ranges (DRAM, IRAM, RTC) a loaded segment must fit in (the bootloader's <c>verify_load_addresses</c>).</summary>
    public IReadOnlyList<AddressRange> LoadableRanges => _loadableRanges;

    /// <summary><c>SOC_MMU_PAGE_SIZE_CONFIGURABLE</c>: the app description's <c>mmu_page_size</c> sets the mapping alignment and must be present.</summary>
    public bool MmuPageSizeConfigurable { get; }

    /// <summary>Whether esptool v4.8.1 knows this chip (the ESP32-H4 and -H21 are newer).</summary>
    public bool KnownToEsptool { get; }

    /// <summary>
    /// Where the ROM looks for the second-stage bootloader: esptool v4.8.1's <c>BOOTLOADER_FLASH_OFFSET</c>
    /// (<c>esptool/targets/*.py</c>: 0x1000 for the ESP32 and the ESP32-S2, which inherits it; 0x2000 for the
    /// ESP32-P4; 0x0 for the rest) and ESP-IDF v5.5.5's <c>CONFIG_BOOTLOADER_OFFSET_IN_FLASH</c>
    /// (components/bootloader/Kconfig.projbuild), which agrees except for the ESP32-C5 (0x2000; esptool
    /// v4.8.1 inherits 0x0 from its ESP32-C6 class, an early-silicon value) and the ESP32-H4 (0x2000, not in
    /// that esptool). The ESP-IDF value is used for those two: it is where the production ROM looks.
    /// </summary>
    public uint BootloaderOffset => Name switch
    {
        "esp32" or "esp32s2" => 0x1000,
        "esp32p4" or "esp32c5" or "esp32h4" => 0x2000,
        _ => 0x0,
    };

    /// <summary>
    /// <c>SOC_RECOVERY_BOOTLOADER_SUPPORTED</c> (ESP-IDF v5.5.5 soc_caps.h: ESP32-C5, ESP32-C61, ESP32-P4): the ROM
    /// loads a recovery bootloader from the flash sector burned in <c>RECOVERY_BOOTLOADER_FLASH_SECTOR</c> when the
    /// primary one fails.
    /// </summary>
    public bool HasRecoveryBootloader => Name is "esp32c5" or "esp32c61" or "esp32p4";

    /// <summary>Flash size names and their encodings (high nibble of header byte 3, as <c>nibble &lt;&lt; 4</c>), in esptool's order.</summary>
    public IReadOnlyList<(string Name, byte Value)> FlashSizes => _flashSizes;

    /// <summary>Flash frequency names and their encodings (low nibble of header byte 3), in esptool's order.</summary>
    public IReadOnlyList<(string Name, byte Value)> FlashFrequencies => _flashFrequencies;

    /// <summary>ESP32.</summary>
    public static Chip Esp32 { get; } = new("esp32", "ESP32", 0x0000,
    [
        new(0x00000000, 0x00010000, "PADDING"), new(0x3F400000, 0x3F800000, "DROM"), new(0x3F800000, 0x3FC00000, "EXTRAM_DATA"),
        new(0x3FF80000, 0x3FF82000, "RTC_DRAM"), new(0x3FF90000, 0x40000000, "BYTE_ACCESSIBLE"), new(0x3FFAE000, 0x40000000, "DRAM"),
        new(0x3FFE0000, 0x3FFFFFFC, "DIRAM_DRAM"), new(0x40000000, 0x40070000, "IROM"), new(0x40070000, 0x40078000, "CACHE_PRO"),
        new(0x40078000, 0x40080000, "CACHE_APP"), new(0x40080000, 0x400A0000, "IRAM"), new(0x400A0000, 0x400BFFFC, "DIRAM_IRAM"),
        new(0x400C0000, 0x400C2000, "RTC_IRAM"), new(0x400D0000, 0x40400000, "IROM"), new(0x50000000, 0x50002000, "RTC_DATA"),
    ], Esp32FlashSizes, Esp32FlashFrequencies, new(0x400D0000, 0x40400000), new(0x3F400000, 0x3F800000),
    [new(0x400D0000, 0x40400000), new(0x3F400000, 0x3F800000)],
    [new(0x3FFAE000, 0x40000000), new(0x40080000, 0x400AA000), new(0x400C0000, 0x400C2000), new(0x3FF80000, 0x3FF82000), new(0x50000000, 0x50002000)]);

    /// <summary>ESP32-S2.</summary>
    public static Chip Esp32S2 { get; } = new("esp32s2", "ESP32-S2", 0x0002,
    [
        new(0x00000000, 0x00010000, "PADDING"), new(0x3F000000, 0x3FF80000, "DROM"), new(0x3F500000, 0x3FF80000, "EXTRAM_DATA"),
        new(0x3FF9E000, 0x3FFA0000, "RTC_DRAM"), new(0x3FF9E000, 0x40000000, "BYTE_ACCESSIBLE"), new(0x3FF9E000, 0x40072000, "MEM_INTERNAL"),
        new(0x3FFB0000, 0x40000000, "DRAM"), new(0x40000000, 0x4001A100, "IROM_MASK"), new(0x40020000, 0x40070000, "IRAM"),
        new(0x40070000, 0x40072000, "RTC_IRAM"), new(0x40080000, 0x40800000, "IROM"), new(0x50000000, 0x50002000, "RTC_DATA"),
    ], Esp32FlashSizes, Esp32FlashFrequencies, new(0x40080000, 0x40B80000), new(0x3F000000, 0x3F3F0000),
    [new(0x40080000, 0x40800000), new(0x3F000000, 0x3FF80000)],
    [new(0x3FFB0000, 0x40000000), new(0x40020000, 0x40070000), new(0x40070000, 0x40072000), new(0x3FF9E000, 0x3FFA0000), new(0x50000000, 0x50002000)]);

    /// <summary>ESP32-S3.</summary>
    public static Chip Esp32S3 { get; } = new("esp32s3", "ESP32-S3", 0x0009,
    [
        new(0x00000000, 0x00010000, "PADDING"), new(0x3C000000, 0x3D000000, "DROM"), new(0x3D000000, 0x3E000000, "EXTRAM_DATA"),
        new(0x600FE000, 0x60100000, "RTC_DRAM"), new(0x3FC88000, 0x3FD00000, "BYTE_ACCESSIBLE"), new(0x3FC88000, 0x403E2000, "MEM_INTERNAL"),
        new(0x3FC88000, 0x3FD00000, "DRAM"), new(0x40000000, 0x4001A100, "IROM_MASK"), new(0x40370000, 0x403E0000, "IRAM"),
        new(0x600FE000, 0x60100000, "RTC_IRAM"), new(0x42000000, 0x42800000, "IROM"), new(0x50000000, 0x50002000, "RTC_DATA"),
    ], Esp32FlashSizes, Esp32FlashFrequencies, new(0x42000000, 0x44000000), new(0x3C000000, 0x3E000000),
    [new(0x42000000, 0x44000000), new(0x3C000000, 0x3E000000)],
    [new(0x3FC88000, 0x3FD00000), new(0x40370000, 0x403E0000), new(0x600FE000, 0x60100000), new(0x50000000, 0x50002000)]);

    /// <summary>ESP32-C2 (ESP8684).</summary>
    public static Chip Esp32C2 { get; } = new("esp32c2", "ESP32-C2", 0x000C,
    [
        new(0x00000000, 0x00010000, "PADDING"), new(0x3C000000, 0x3C400000, "DROM"), new(0x3FCA0000, 0x3FCE0000, "DRAM"),
        new(0x3FC88000, 0x3FD00000, "BYTE_ACCESSIBLE"), new(0x3FF00000, 0x3FF50000, "DROM_MASK"), new(0x40000000, 0x40090000, "IROM_MASK"),
        new(0x42000000, 0x42400000, "IROM"), new(0x4037C000, 0x403C0000, "IRAM"),
    ], Esp32FlashSizes, [("60m", 0xF), ("30m", 0x0), ("20m", 0x1), ("15m", 0x2)], new(0x42000000, 0x42400000), new(0x3C000000, 0x3C400000),
    [new(0x42000000, 0x42400000), new(0x3C000000, 0x3C400000)],
    [new(0x3FCA0000, 0x3FCE0000), new(0x4037C000, 0x403C0000)], mmuPageSizeConfigurable: true);

    /// <summary>ESP32-C3.</summary>
    public static Chip Esp32C3 { get; } = new("esp32c3", "ESP32-C3", 0x0005,
    [
        new(0x00000000, 0x00010000, "PADDING"), new(0x3C000000, 0x3C800000, "DROM"), new(0x3FC80000, 0x3FCE0000, "DRAM"),
        new(0x3FC88000, 0x3FD00000, "BYTE_ACCESSIBLE"), new(0x3FF00000, 0x3FF20000, "DROM_MASK"), new(0x40000000, 0x40060000, "IROM_MASK"),
        new(0x42000000, 0x42800000, "IROM"), new(0x4037C000, 0x403E0000, "IRAM"), new(0x50000000, 0x50002000, "RTC_IRAM"),
        new(0x50000000, 0x50002000, "RTC_DRAM"), new(0x600FE000, 0x60100000, "MEM_INTERNAL2"),
    ], Esp32FlashSizes, Esp32FlashFrequencies, new(0x42000000, 0x42800000), new(0x3C000000, 0x3C800000),
    [new(0x42000000, 0x42800000), new(0x3C000000, 0x3C800000)],
    [new(0x3FC80000, 0x3FCE0000), new(0x4037C000, 0x403E0000), new(0x50000000, 0x50002000)]);

    /// <summary>ESP32-C5.</summary>
    public static Chip Esp32C5 { get; } = new("esp32c5", "ESP32-C5", 0x0017,
    [
        new(0x00000000, 0x00010000, "PADDING"), new(0x42800000, 0x43000000, "DROM"), new(0x40800000, 0x40860000, "DRAM"),
        new(0x40800000, 0x40860000, "BYTE_ACCESSIBLE"), new(0x4003A000, 0x40040000, "DROM_MASK"), new(0x40000000, 0x4003A000, "IROM_MASK"),
        new(0x42000000, 0x42800000, "IROM"), new(0x40800000, 0x40860000, "IRAM"), new(0x50000000, 0x50004000, "RTC_IRAM"),
        new(0x50000000, 0x50004000, "RTC_DRAM"), new(0x600FE000, 0x60100000, "MEM_INTERNAL2"),
    ], Esp32FlashSizes, [("80m", 0xF), ("40m", 0x0), ("20m", 0x2)], new(0x42000000, 0x42800000), new(0x42800000, 0x43000000),
    [new(0x42000000, 0x44000000)],
    [new(0x40800000, 0x40860000), new(0x50000000, 0x50004000)]);

    /// <summary>ESP32-C6. esptool v4.8.1 encodes both 80m and 40m as 0 and reports 0 as <c>80m</c>.</summary>
    public static Chip Esp32C6 { get; } = new("esp32c6", "ESP32-C6", 0x000D,
    [
        new(0x00000000, 0x00010000, "PADDING"), new(0x42800000, 0x43000000, "DROM"), new(0x40800000, 0x40880000, "DRAM"),
        new(0x40800000, 0x40880000, "BYTE_ACCESSIBLE"), new(0x4004AC00, 0x40050000, "DROM_MASK"), new(0x40000000, 0x4004AC00, "IROM_MASK"),
        new(0x42000000, 0x42800000, "IROM"), new(0x40800000, 0x40880000, "IRAM"), new(0x50000000, 0x50004000, "RTC_IRAM"),
        new(0x50000000, 0x50004000, "RTC_DRAM"), new(0x600FE000, 0x60100000, "MEM_INTERNAL2"),
    ], Esp32FlashSizes, [("80m", 0x0), ("40m", 0x0), ("20m", 0x2)], new(0x42000000, 0x42800000), new(0x42800000, 0x43000000),
    [new(0x42000000, 0x43000000)],
    [new(0x40800000, 0x40880000), new(0x50000000, 0x50004000)], mmuPageSizeConfigurable: true);

    /// <summary>ESP32-C61.</summary>
    public static Chip Esp32C61 { get; } = new("esp32c61", "ESP32-C61", 0x0014,
    [
        new(0x00000000, 0x00010000, "PADDING"), new(0x41800000, 0x42000000, "DROM"), new(0x40800000, 0x40860000, "DRAM"),
        new(0x40800000, 0x40860000, "BYTE_ACCESSIBLE"), new(0x4004AC00, 0x40050000, "DROM_MASK"), new(0x40000000, 0x4004AC00, "IROM_MASK"),
        new(0x41000000, 0x41800000, "IROM"), new(0x40800000, 0x40860000, "IRAM"), new(0x50000000, 0x50004000, "RTC_IRAM"),
        new(0x50000000, 0x50004000, "RTC_DRAM"), new(0x600FE000, 0x60100000, "MEM_INTERNAL2"),
    ], Esp32FlashSizes, [("80m", 0xF), ("40m", 0x0), ("20m", 0x2)], new(0x42000000, 0x42800000), new(0x42800000, 0x43000000),
    [new(0x42000000, 0x44000000)],
    [new(0x40800000, 0x40850000)], mmuPageSizeConfigurable: true);

    /// <summary>ESP32-H2.</summary>
    public static Chip Esp32H2 { get; } = new("esp32h2", "ESP32-H2", 0x0010,
    [
        new(0x00000000, 0x00010000, "PADDING"), new(0x42800000, 0x43000000, "DROM"), new(0x40800000, 0x40880000, "DRAM"),
        new(0x40800000, 0x40880000, "BYTE_ACCESSIBLE"), new(0x4004AC00, 0x40050000, "DROM_MASK"), new(0x40000000, 0x4004AC00, "IROM_MASK"),
        new(0x42000000, 0x42800000, "IROM"), new(0x40800000, 0x40880000, "IRAM"), new(0x50000000, 0x50004000, "RTC_IRAM"),
        new(0x50000000, 0x50004000, "RTC_DRAM"), new(0x600FE000, 0x60100000, "MEM_INTERNAL2"),
    ], Esp32FlashSizes, [("48m", 0xF), ("24m", 0x0), ("16m", 0x1), ("12m", 0x2)], new(0x42000000, 0x42800000), new(0x42800000, 0x43000000),
    [new(0x42000000, 0x43000000)],
    [new(0x40800000, 0x40850000), new(0x50000000, 0x50001000)], mmuPageSizeConfigurable: true);

    /// <summary>ESP32-H21 (not known to esptool v4.8.1: map built from ESP-IDF's soc.h).</summary>
    public static Chip Esp32H21 { get; } = new("esp32h21", "ESP32-H21", 0x0019,
    [
        new(0x00000000, 0x00010000, "PADDING"), new(0x40800000, 0x40850000, "DRAM"), new(0x42000000, 0x43000000, "IROM"),
        new(0x40800000, 0x40850000, "IRAM"), new(0x50000000, 0x50001000, "RTC_IRAM"), new(0x50000000, 0x50001000, "RTC_DRAM"),
    ], Esp32FlashSizes, [("48m", 0xF), ("24m", 0x0), ("16m", 0x1), ("12m", 0x2)], new(0x42000000, 0x43000000), new(0x42000000, 0x43000000),
    [new(0x42000000, 0x43000000)],
    [new(0x40800000, 0x40850000), new(0x50000000, 0x50001000)], knownToEsptool: false);

    /// <summary>ESP32-H4 (not known to esptool v4.8.1: map built from ESP-IDF's soc.h).</summary>
    public static Chip Esp32H4 { get; } = new("esp32h4", "ESP32-H4", 0x001C,
    [
        new(0x00000000, 0x00010000, "PADDING"), new(0x40810000, 0x40860000, "DRAM"), new(0x42000000, 0x44000000, "IROM"),
        new(0x40810000, 0x40860000, "IRAM"), new(0x50000000, 0x50004000, "RTC_IRAM"), new(0x50000000, 0x50004000, "RTC_DRAM"),
    ], Esp32FlashSizes, [("48m", 0xF), ("24m", 0x0), ("16m", 0x1), ("12m", 0x2)], new(0x42000000, 0x44000000), new(0x42000000, 0x44000000),
    [new(0x42000000, 0x44000000)],
    [new(0x40810000, 0x40860000), new(0x50000000, 0x50004000)], knownToEsptool: false);

    /// <summary>ESP32-P4.</summary>
    public static Chip Esp32P4 { get; } = new("esp32p4", "ESP32-P4", 0x0012,
    [
        new(0x00000000, 0x00010000, "PADDING"), new(0x40000000, 0x4C000000, "DROM"), new(0x4FF00000, 0x4FFA0000, "DRAM"),
        new(0x4FF00000, 0x4FFA0000, "BYTE_ACCESSIBLE"), new(0x4FC00000, 0x4FC20000, "DROM_MASK"), new(0x4FC00000, 0x4FC20000, "IROM_MASK"),
        new(0x40000000, 0x4C000000, "IROM"), new(0x4FF00000, 0x4FFA0000, "IRAM"), new(0x50108000, 0x50110000, "RTC_IRAM"),
        new(0x50108000, 0x50110000, "RTC_DRAM"), new(0x600FE000, 0x60100000, "MEM_INTERNAL2"),
    ], Esp32FlashSizes, Esp32FlashFrequencies, new(0x40000000, 0x4C000000), new(0x40000000, 0x4C000000),
    [new(0x40000000, 0x44000000), new(0x48000000, 0x4C000000)],
    [new(0x4FF00000, 0x4FFC0000), new(0x50108000, 0x50110000)]);

    /// <summary>ESP8266 (version-1 and version-2 images, no extended header).</summary>
    public static Chip Esp8266 { get; } = new("esp8266", "ESP8266", null,
    [
        new(0x3FF00000, 0x3FF00010, "DPORT"), new(0x3FFE8000, 0x40000000, "DRAM"), new(0x40100000, 0x40108000, "IRAM"),
        new(0x40201010, 0x402E1010, "IROM"),
    ],
    [
        ("512KB", 0x00), ("256KB", 0x10), ("1MB", 0x20), ("2MB", 0x30), ("4MB", 0x40),
        ("2MB-c1", 0x50), ("4MB-c1", 0x60), ("8MB", 0x80), ("16MB", 0x90),
    ], Esp32FlashFrequencies, new(0x40200000, 0x40300000), new(0, 0),
    [new(0x40200000, 0x40300000)],
    [new(0x3FFE8000, 0x40000000), new(0x40100000, 0x40108000)]);

    /// <summary>Every chip, ESP-IDF v5.5's targets first, then the ESP8266.</summary>
    public static IReadOnlyList<Chip> All { get; } =
        [Esp32, Esp32S2, Esp32S3, Esp32C2, Esp32C3, Esp32C5, Esp32C6, Esp32C61, Esp32H2, Esp32H21, Esp32H4, Esp32P4, Esp8266];

    private static readonly FrozenDictionary<string, Chip> ByName =
        All.ToFrozenDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);

    // esptool v4.8.1 CHIP_DEFS order, used to name an image chip id (first match wins), including
    // the pre-release chips it still lists.
    private static readonly (ushort Id, string Name)[] EsptoolChipIds =
    [
        (0, "ESP32"), (2, "ESP32-S2"), (4, "ESP32-S3(beta2)"), (9, "ESP32-S3"), (5, "ESP32-C3"), (7, "ESP32-C6(beta)"),
        (10, "ESP32-H2(beta1)"), (14, "ESP32-H2(beta2)"), (12, "ESP32-C2"), (13, "ESP32-C6"), (20, "ESP32-C61"),
        (23, "ESP32-C5"), (17, "ESP32-C5(beta3)"), (16, "ESP32-H2"), (18, "ESP32-P4"),
    ];

    /// <summary>Finds a chip by name: <c>esp32c6</c>, <c>ESP32-C6</c> and <c>esp32_c6</c> all work.</summary>
    public static bool TryFromName(string? name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Chip? chip)
    {
        chip = null;
        if (string.IsNullOrWhiteSpace(name))
        {
            return false;
        }

        var key = name.Trim().Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        return ByName.TryGetValue(key, out chip);
    }

    /// <summary>Finds a chip by name, or null.</summary>
    public static Chip? FromName(string? name) => TryFromName(name, out var chip) ? chip : null;

    /// <summary>Finds the chip whose image chip id is <paramref name="id"/>.</summary>
    public static bool TryFromImageId(ushort id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Chip? chip)
    {
        foreach (var c in All)
        {
            if (c.ImageChipId == id)
            {
                chip = c;
                return true;
            }
        }

        chip = null;
        return false;
    }

    /// <summary>The <c>CHIP_NAME</c> of the esptool v4.8.1 chip whose <c>IMAGE_CHIP_ID</c> is <paramref name="id"/>, or null.</summary>
    public static string? EsptoolNameOfImageId(ushort id)
    {
        foreach (var (chipId, name) in EsptoolChipIds)
        {
            if (chipId == id)
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>esptool's memory types of a segment loaded at <paramref name="address"/>, in memory-map order.</summary>
    public IReadOnlyList<string> MemoryTypesOf(uint address)
    {
        List<string>? types = null;
        foreach (var region in _memoryMap)
        {
            if (region.Contains(address))
            {
                (types ??= []).Add(region.Type);
            }
        }

        return types is null ? [] : types;
    }

    /// <summary>esptool's name for a flash size nibble (high nibble of header byte 3), or null when it has none.</summary>
    public string? FlashSizeName(int nibble) => Lookup(_flashSizes, (byte)((nibble & 0xF) << 4));

    /// <summary>esptool's name for a flash frequency nibble (low nibble of header byte 3), or null when it has none.</summary>
    public string? FlashFrequencyName(int nibble) => Lookup(_flashFrequencies, (byte)(nibble & 0xF));

    /// <summary>The nibble for a flash size name such as <c>4MB</c>.</summary>
    public bool TryGetFlashSize(string name, out byte nibble)
    {
        foreach (var (n, v) in _flashSizes)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
            {
                nibble = (byte)(v >> 4);
                return true;
            }
        }

        nibble = 0;
        return false;
    }

    /// <summary>The nibble for a flash frequency name such as <c>80m</c>.</summary>
    public bool TryGetFlashFrequency(string name, out byte nibble)
    {
        foreach (var (n, v) in _flashFrequencies)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
            {
                nibble = v;
                return true;
            }
        }

        nibble = 0;
        return false;
    }

    /// <summary>ESP-IDF's <c>should_map</c>: the bootloader maps this address from flash through the MMU.</summary>
    public bool IsMapped(uint address)
    {
        foreach (var r in _mappedRanges)
        {
            if (r.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>esptool's <c>is_flash_addr</c>: <c>elf2image</c> aligns such a segment to a 64 KiB page.</summary>
    public bool IsFlashAddress(uint address) => IromMap.Contains(address) || DromMap.Contains(address);

    /// <summary>
    /// Where ESP-IDF links <c>esp_app_desc_t</c>: 0x20 past the start of the flash-mapped data region
    /// (<c>SOC_DROM_LOW</c>; on chips with one unified flash window, the start of that window).
    /// </summary>
    public uint AppDescriptionAddress
    {
        get
        {
            foreach (var r in _mappedRanges)
            {
                if (r.Contains(DromMap.Start))
                {
                    return r.Start + 0x20;
                }
            }

            return _mappedRanges[0].Start + 0x20;
        }
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    private static string? Lookup((string Name, byte Value)[] table, byte value)
    {
        foreach (var (name, v) in table)
        {
            if (v == value)
            {
                return name;
            }
        }

        return null;
    }
}

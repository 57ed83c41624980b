namespace EspOta.Delta;

/// <summary>The compression nibble of a detools patch header byte (detools <c>common.py</c> <c>COMPRESSIONS</c>).</summary>
public enum DetoolsCompression
{
    /// <summary><c>none</c>.</summary>
    None = 0,

    /// <summary><c>lzma</c> (not built into esp_delta_ota, not implemented here).</summary>
    Lzma = 1,

    /// <summary><c>crle</c>: conditional run-length encoding.</summary>
    Crle = 2,

    /// <summary><c>bz2</c> (Python detools only).</summary>
    Bz2 = 3,

    /// <summary><c>heatshrink</c>: LZSS; the only one esp_delta_ota builds (window 8, lookahead 7).</summary>
    Heatshrink = 4,

    /// <summary><c>zstd</c> (Python detools only).</summary>
    Zstd = 5,

    /// <summary><c>lz4</c> (Python detools only).</summary>
    Lz4 = 6,
}

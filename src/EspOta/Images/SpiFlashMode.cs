namespace EspOta.Images;

/// <summary>The header's SPI flash mode byte (<c>esp_image_spi_mode_t</c>); unknown values are kept as numbers.</summary>
public enum SpiFlashMode : byte
{
    /// <summary><c>qio</c>.</summary>
    Qio = 0,
    /// <summary><c>qout</c>.</summary>
    Qout = 1,
    /// <summary><c>dio</c>.</summary>
    Dio = 2,
    /// <summary><c>dout</c>.</summary>
    Dout = 3,
    /// <summary><c>FAST_READ</c> (ESP-IDF only; esptool has no name for it).</summary>
    FastRead = 4,
    /// <summary><c>SLOW_READ</c> (ESP-IDF only; esptool has no name for it).</summary>
    SlowRead = 5,
}

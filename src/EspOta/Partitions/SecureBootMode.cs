namespace EspOta.Partitions;

/// <summary>The <c>--secure</c> option of <c>gen_esp32part.py</c>: which secure boot the app partitions must suit.</summary>
public enum SecureBootMode
{
    /// <summary>No secure boot: app sizes are multiples of 0x1000.</summary>
    None = 0,
    /// <summary>Secure Boot v1: the 68-byte signature sits at the end of a 64 KiB block, so app sizes are multiples of 0x10000.</summary>
    V1 = 1,
    /// <summary>Secure Boot v2: the signature sector follows the image padded to 64 KiB; app sizes stay multiples of 0x1000.</summary>
    V2 = 2,
}

using System.Text.Json;
using EspOta.Tests;

namespace EspOta.Server.Tests;

/// <summary>Images from the vectors and the facts esptool recorded for them.</summary>
internal static class VectorImages
{
    /// <summary>An esp32 app: ota-vector-app 1.2.3, secure_version 7.</summary>
    public const string App = "app_desc_secure_version_7";

    /// <summary>Another esp32 app: app-template.</summary>
    public const string Template = "e2i_esp32_app_template";

    /// <summary>An esp32 bootloader: valid image, no esp_app_desc_t.</summary>
    public const string Bootloader = "e2i_esp32_bootloader";

    /// <summary>Image with a wrong magic byte.</summary>
    public const string WrongMagic = "corrupt_wrong_magic";

    public static byte[] Bytes(string name) => File.ReadAllBytes(Vectors.PathOf("images", name + ".bin"));

    public static JsonElement Facts(string name)
    {
        using var doc = Vectors.ReadJson("images", name + ".json");
        return doc.RootElement.Clone();
    }
}

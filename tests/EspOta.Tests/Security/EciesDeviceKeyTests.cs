using System.Text.Json;
using EspOta.Security;

namespace EspOta.Tests.Security;

/// <summary>esp_encrypted_img's ECIES-P256 device keys: derived from the HMAC key exactly as esp_enc_img_gen.py does.</summary>
public sealed class EciesDeviceKeyTests
{
    public static TheoryData<string> DerivedKeys()
    {
        using var index = Vectors.ReadJson("encrypted-images", "index.json");
        return [.. index.RootElement.GetProperty("keys").EnumerateArray()
            .Where(k => k.TryGetProperty("private_scalar", out _) && k.GetProperty("files").EnumerateArray().Any(f => f.GetString() == "device_hmac_key.bin"))
            .Select(k => k.GetProperty("name").GetString()!)];
    }

    [Theory]
    [MemberData(nameof(DerivedKeys))]
    public void FromHmacKey_VectorKey_SameScalarAndPems(string name)
    {
        using var index = Vectors.ReadJson("encrypted-images", "index.json");
        var record = index.RootElement.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("name").GetString() == name);
        var hmac = File.ReadAllBytes(Vectors.PathOf("encrypted-images", "keys", name, "device_hmac_key.bin"));
        Assert.Equal(record.GetProperty("private_scalar").GetString(), Convert.ToHexStringLower(EciesDeviceKey.DeriveScalar(hmac)));
        using var key = EciesDeviceKey.FromHmacKey(hmac);
        Assert.Equal(File.ReadAllText(Vectors.PathOf("encrypted-images", "keys", name, "device_pub_key.pem")), key.ExportPublicPem());
        Assert.Equal(File.ReadAllText(Vectors.PathOf("encrypted-images", "keys", name, "device_priv_key.pem")), key.ExportPrivatePem());
    }

    [Fact]
    public void Generate_FreshKey_DerivesAgainFromItsHmacKey()
    {
        using var key = EciesDeviceKey.Generate();
        using var again = EciesDeviceKey.FromHmacKey(key.HmacKey);
        Assert.Equal(key.ExportPublicPem(), again.ExportPublicPem());
    }
}

using System.Text.Json;
using EspOta.Images;

namespace EspOta.Tests.Images;

/// <summary>The descriptions in the vectors decode and re-encode byte for byte.</summary>
public sealed class DescriptionRoundTripTests
{
    public static TheoryData<string> Cases() => ImageVectorTests.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Descriptions_VectorRaw_WriteReadsBackIdentical(string name)
    {
        using var doc = Vectors.ReadJson("images", name + ".json");
        var root = doc.RootElement;
        if (root.GetProperty("app_desc") is { ValueKind: JsonValueKind.Object } app)
        {
            var raw = Convert.FromHexString(app.GetProperty("raw_hex").GetString()!);
            var decoded = AppDescription.Read(raw);
            Assert.Equal(app.GetProperty("project_name").GetString(), decoded.ProjectName);
            var written = new byte[AppDescription.Size];
            decoded.WriteTo(written);
            Assert.Equal(raw, written);
            var fresh = new byte[AppDescription.Size];
            (decoded with { Raw = null }).WriteTo(fresh);
            Assert.Equal(decoded with { Raw = null }, AppDescription.Read(fresh) with { Raw = null, AppElfSha256 = decoded.AppElfSha256 });
        }

        if (root.GetProperty("bootloader_desc") is { ValueKind: JsonValueKind.Object } boot)
        {
            var raw = Convert.FromHexString(boot.GetProperty("raw_hex").GetString()!);
            var decoded = BootloaderDescription.Read(raw);
            Assert.Equal(boot.GetProperty("idf_ver").GetString(), decoded.IdfVersion);
            Assert.Equal(boot.GetProperty("date_time").GetString(), decoded.DateTime);
            var written = new byte[BootloaderDescription.Size];
            decoded.WriteTo(written);
            Assert.Equal(raw, written);
        }
    }
}

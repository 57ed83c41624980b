using System.Text.Json;
using EspOta.Cli;
using EspOta.Security;

namespace EspOta.Tests.Cli;

/// <summary>
/// <c>flash build</c> / <c>device create</c> Secure Boot eFuse options: kept in <c>&lt;flash&gt;.efuse.json</c>, which
/// <c>flash boot</c> honours (signed apps boot, unsigned or revoked-key apps do not) and a rebuild without them removes.
/// </summary>
public sealed class SecureBootEfuseCliTests : IDisposable
{
    private const string Table = "nvs,data,nvs,0x9000,0x4000\notadata,data,ota,0xd000,0x2000\nfactory,app,factory,0x10000,512K\n";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("esp-ota-efuse-cli-");

    public SecureBootEfuseCliTests()
    {
        File.WriteAllText(PathOf("t.csv"), Table);
        Assert.Equal(0, Run("image", "build", "--chip", "esp32c3", "--project", "efuse-app", "-o", PathOf("app.bin")).Code);
        Assert.Equal(0, Run("image", "sign", PathOf("app.bin"), "--key", Key("rsa3072_a.pem"), "-o", PathOf("app-a.bin")).Code);
        Assert.Equal(0, Run("image", "sign", Vectors.PathOf("images", "bootloader_esp32c3.bin"), "--key", Key("rsa3072_a.pem"), "--key", Key("rsa3072_b.pem"), "-o", PathOf("bl.bin")).Code);
    }

    public void Dispose() => _dir.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_dir.FullName, name);

    private static string Key(string file) => Vectors.PathOf("secure-boot", "keys", file);

    private static string DigestHex(string key) => Convert.ToHexStringLower(File.ReadAllBytes(Key(key + ".digest.bin")));

    private static (int Code, string Out, string Err) Run(params string[] args) => EspOta.Tests.Shared.CliRunner.Run(args);

    private (int Code, JsonDocument? Json, string Err) Build(string app, params string[] efuse)
    {
        var (code, stdout, stderr) = Run(["flash", "build", "-p", PathOf("t.csv"), "-b", PathOf("bl.bin"), "-a", "factory=" + PathOf(app), "-o", PathOf("flash.bin"), "--json", .. efuse]);
        return (code, code == 0 ? JsonDocument.Parse(stdout) : null, stderr);
    }

    private (int Code, JsonDocument Json) Boot(string flash = "flash.bin")
    {
        var (code, stdout, _) = Run("flash", "boot", PathOf(flash), "--json");
        return (code, JsonDocument.Parse(stdout));
    }

    [Fact]
    public void Build_SecureBootKeys_WritesTheEfuseFile_AndBootHonoursIt()
    {
        var (code, json, err) = Build("app-a.bin", "--secure-boot", "--secure-boot-key", Key("rsa3072_a.pub.pem"), "--secure-boot-key", DigestHex("rsa3072_b"));

        Assert.True(code == 0, err);
        var secureBoot = json!.RootElement.GetProperty("secure_boot");
        Assert.True(secureBoot.GetProperty("enabled").GetBoolean());
        Assert.Equal("rsa3072", secureBoot.GetProperty("scheme").GetString());
        Assert.Equal([DigestHex("rsa3072_a"), DigestHex("rsa3072_b"), null], secureBoot.GetProperty("key_digests").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal(PathOf("flash.bin") + ".efuse.json", json.RootElement.GetProperty("efuse_file").GetString());
        using var file = JsonDocument.Parse(File.ReadAllText(PathOf("flash.bin.efuse.json")));
        Assert.Equal("esp32c3", file.RootElement.GetProperty("chip").GetString());
        Assert.Equal(DigestHex("rsa3072_b"), file.RootElement.GetProperty("secure_boot").GetProperty("key_digests")[1].GetString());

        var (boot, result) = Boot();
        Assert.Equal(0, boot);
        Assert.Equal("factory", result.RootElement.GetProperty("boot").GetProperty("booted").GetString());
        Assert.Equal([DigestHex("rsa3072_a"), DigestHex("rsa3072_b"), null], result.RootElement.GetProperty("secure_boot").GetProperty("key_digests").EnumerateArray().Select(d => d.GetString()));
    }

    [Fact]
    public void Build_UnsignedApp_SecureBootDoesNotBootIt_AndARebuildWithoutEfusesRemovesTheFile()
    {
        Assert.Equal(0, Build("app.bin", "--secure-boot-key", Key("rsa3072_a.pem")).Code);
        var (refused, json) = Boot();
        Assert.Equal(ExitCodes.Failure, refused);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("boot").GetProperty("booted").ValueKind);
        Assert.Contains(json.RootElement.GetProperty("boot").GetProperty("steps").EnumerateArray(), s => s.GetString()!.Contains("factory", StringComparison.Ordinal));

        Assert.Equal(0, Build("app.bin").Code);
        Assert.False(File.Exists(PathOf("flash.bin.efuse.json")));
        var (plain, plainJson) = Boot();
        Assert.Equal(0, plain);
        Assert.Equal(JsonValueKind.Null, plainJson.RootElement.GetProperty("secure_boot").ValueKind);
    }

    [Fact]
    public void Build_RevokedSlotOfTheOnlySigner_DoesNotBoot_OtherSlotRevokedStillBoots()
    {
        Assert.Equal(0, Build("app-a.bin", "--secure-boot-key", Key("rsa3072_a.pem"), "--secure-boot-key", Key("rsa3072_b.pub.pem"), "--revoked-key-slot", "0").Code);
        Assert.Equal(ExitCodes.Failure, Boot().Code);

        var (code, json, _) = Build("app-a.bin", "--secure-boot-key", Key("rsa3072_a.pem"), "--secure-boot-key", Key("rsa3072_b.pub.pem"), "--revoked-key-slot", "1");
        Assert.Equal(0, code);
        Assert.Equal([1], json!.RootElement.GetProperty("secure_boot").GetProperty("revoked_slots").EnumerateArray().Select(s => s.GetInt32()));
        Assert.Equal(0, Boot().Code);
    }

    [Fact]
    public void DeviceCreate_SecureBootKeys_EfuseFileBesideTheDeviceFlash_AndFlashBootHonoursIt()
    {
        var (code, stdout, stderr) = Run("device", "create", "--flash", PathOf("dev.bin"), "--factory", PathOf("app-a.bin"), "--bootloader", PathOf("bl.bin"),
            "--secure-boot", "--secure-boot-key", Key("rsa3072_a.pem"), "--secure-boot-key", Key("rsa3072_b.digest.bin"), "--slot-size", "0x40000", "--json");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal("esp32c3", json.RootElement.GetProperty("chip").GetString());
        Assert.Equal(2, json.RootElement.GetProperty("secure_boot").GetProperty("key_digests").EnumerateArray().Count(d => d.ValueKind == JsonValueKind.String));
        Assert.True(File.Exists(PathOf("dev.bin.efuse.json")));
        var (boot, result) = Boot("dev.bin");
        Assert.Equal(0, boot);
        Assert.Equal("factory", result.RootElement.GetProperty("boot").GetProperty("booted").GetString());

        // The same device with an unsigned factory app: the bootloader refuses it.
        Assert.Equal(0, Run("device", "create", "--flash", PathOf("dev2.bin"), "--factory", PathOf("app.bin"), "--bootloader", PathOf("bl.bin"),
            "--secure-boot-key", DigestHex("rsa3072_a"), "--slot-size", "0x40000").Code);
        Assert.Equal(ExitCodes.Failure, Boot("dev2.bin").Code);
    }

    [Fact]
    public void FlashBoot_DamagedEfuseFile_NamesIt()
    {
        Assert.Equal(0, Build("app-a.bin", "--secure-boot-key", Key("rsa3072_a.pem")).Code);
        File.WriteAllText(PathOf("flash.bin.efuse.json"), "{\"chip\":\"esp32c3\",\"secure_boot\":{\"scheme\":\"rsa3072\",\"key_digests\":[\"zz\"],\"revoked\":[],\"aggressive_revoke\":false}}");

        var (code, _, stderr) = Run("flash", "boot", PathOf("flash.bin"));

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("flash.bin.efuse.json", stderr, StringComparison.Ordinal);
        Assert.Contains("key_digests[0]", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void FlashBoot_SecureBootOn_TheRomRefusesABootloaderNoTrustedKeySigned()
    {
        // The vector bootloader as built (no signature sector): with Secure Boot on, the ROM loads nothing.
        var (code, _, err) = Run("flash", "build", "-p", PathOf("t.csv"), "-b", Vectors.PathOf("images", "bootloader_esp32c3.bin"), "-a", "factory=" + PathOf("app-a.bin"),
            "-o", PathOf("flash.bin"), "--secure-boot-key", Key("rsa3072_a.pem"));
        Assert.True(code == 0, err);
        var (refused, json) = Boot();
        Assert.Equal(ExitCodes.Failure, refused);
        Assert.False(json.RootElement.GetProperty("rom").GetProperty("loads").GetBoolean());
        Assert.Contains("Secure Boot", json.RootElement.GetProperty("rom").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("boot").ValueKind);

        // Signed, but only by a key whose digest is not burnt.
        Assert.Equal(0, Run("image", "sign", Vectors.PathOf("images", "bootloader_esp32c3.bin"), "--key", Key("rsa3072_b.pem"), "-o", PathOf("bl-b.bin")).Code);
        Assert.Equal(0, Run("flash", "build", "-p", PathOf("t.csv"), "-b", PathOf("bl-b.bin"), "-a", "factory=" + PathOf("app-a.bin"), "-o", PathOf("flash.bin"),
            "--secure-boot-key", Key("rsa3072_a.pem")).Code);
        Assert.Equal(ExitCodes.Failure, Boot().Code);

        // The same flash with key b burnt too: the ROM loads it, and the app signed by key a boots.
        Assert.Equal(0, Run("flash", "build", "-p", PathOf("t.csv"), "-b", PathOf("bl-b.bin"), "-a", "factory=" + PathOf("app-a.bin"), "-o", PathOf("flash.bin"),
            "--secure-boot-key", Key("rsa3072_a.pem"), "--secure-boot-key", Key("rsa3072_b.pem")).Code);
        var (ok, booted) = Boot();
        Assert.Equal(0, ok);
        Assert.Contains("verified", booted.RootElement.GetProperty("rom").GetProperty("signature").GetString(), StringComparison.Ordinal);
        Assert.Equal("factory", booted.RootElement.GetProperty("boot").GetProperty("booted").GetString());
    }

    [Fact]
    public void FlashBoot_AggressiveRevocation_TheRomRevokesTheKeyWhoseBootloaderBlockFails_AndWriteBackKeepsIt()
    {
        // Bootloader signed by b (block 0) and a (block 1); b's signature damaged with its CRC made good again.
        Assert.Equal(0, Run("image", "sign", Vectors.PathOf("images", "bootloader_esp32c3.bin"), "--key", Key("rsa3072_b.pem"), "--key", Key("rsa3072_a.pem"), "-o", PathOf("bl-ba.bin")).Code);
        var bootloader = File.ReadAllBytes(PathOf("bl-ba.bin"));
        int block0 = bootloader.Length - SignatureSector.Size;
        bootloader[block0 + SignatureBlockV2.RsaSignatureOffset] ^= 1;
        SignatureBlockV2.Read(bootloader.AsSpan(block0)).WithCrc().WriteTo(bootloader.AsSpan(block0));
        File.WriteAllBytes(PathOf("bl-ba.bin"), bootloader);
        Assert.Equal(0, Run("flash", "build", "-p", PathOf("t.csv"), "-b", PathOf("bl-ba.bin"), "-a", "factory=" + PathOf("app-a.bin"), "-o", PathOf("flash.bin"),
            "--secure-boot-key", Key("rsa3072_a.pem"), "--secure-boot-key", Key("rsa3072_b.pem")).Code);

        // Without aggressive revocation a bad block only does not count.
        var (calm, calmJson) = Boot();
        Assert.Equal(0, calm);
        Assert.Empty(calmJson.RootElement.GetProperty("secure_boot").GetProperty("revoked_slots").EnumerateArray());

        string efuseFile = PathOf("flash.bin.efuse.json");
        var document = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(efuseFile))!;
        Assert.False(document["secure_boot"]!["aggressive_revoke"]!.GetValue<bool>());
        document["secure_boot"]!["aggressive_revoke"] = true;
        File.WriteAllText(efuseFile, document.ToJsonString());
        var (code, stdout, err) = Run("flash", "boot", PathOf("flash.bin"), "--write-back", "--json");
        Assert.True(code == 0, err);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal("factory", json.RootElement.GetProperty("boot").GetProperty("booted").GetString());
        Assert.Equal([1], json.RootElement.GetProperty("secure_boot").GetProperty("revoked_slots").EnumerateArray().Select(s => s.GetInt32()));

        // The burn is permanent: the next boot reads it from the eFuse file.
        var (again, againJson) = Boot();
        Assert.Equal(0, again);
        Assert.Equal([1], againJson.RootElement.GetProperty("secure_boot").GetProperty("revoked_slots").EnumerateArray().Select(s => s.GetInt32()));
    }
}

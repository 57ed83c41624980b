using System.Text.Json;
using EspOta.Cli;
using EspOta.Tests.Security;
using EspOta.Tests.Shared;

namespace EspOta.Tests.Cli;

/// <summary><c>esp-ota image encrypt|decrypt|info</c> on the vector keys and images, in-process.</summary>
public sealed class ImageEncryptionCliTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("esp-ota-enc-cli-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_dir.FullName, name);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliRunner.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static JsonElement RunJson(params string[] args)
    {
        var (code, output, error) = Run([.. args, "--json"]);
        Assert.True(code == 0, $"exit {code}: {error}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    [Theory]
    [InlineData("rsa_a", "rsa_pub_key.pem", "rsa_priv_key.pem", "RSA-3072")]
    [InlineData("ecc_a", "device_pub_key.pem", "device_priv_key.pem", "ECIES-P256")]
    public void EncryptThenDecrypt_RoundTripsTheImage(string key, string pub, string priv, string scheme)
    {
        var plain = EncryptedImageVectors.PathOf("plain/hello_world_esp32.bin");
        var encrypted = RunJson("image", "encrypt", "--public-key", EncryptedImageVectors.KeyFile(key, pub), plain, "-o", PathOf("enc.bin"));
        Assert.Equal(scheme, encrypted.GetProperty("scheme").GetString());
        Assert.Equal(new FileInfo(plain).Length + 512, encrypted.GetProperty("file_size").GetInt64());

        var info = RunJson("image", "info", PathOf("enc.bin"));
        Assert.Equal("esp_encrypted_img", info.GetProperty("format").GetString());
        Assert.Equal(scheme, info.GetProperty("scheme_guess").GetString());
        Assert.Equal(new FileInfo(plain).Length, info.GetProperty("bin_size").GetInt64());
        Assert.True(info.GetProperty("complete").GetBoolean());

        var decrypted = RunJson("image", "decrypt", "--private-key", EncryptedImageVectors.KeyFile(key, priv), PathOf("enc.bin"), "-o", PathOf("dec.bin"));
        Assert.True(decrypted.GetProperty("tag_verified").GetBoolean());
        Assert.Equal(File.ReadAllBytes(plain), File.ReadAllBytes(PathOf("dec.bin")));
    }

    [Fact]
    public void Decrypt_WithTheHmacKey_DerivesTheDeviceKey()
    {
        var (code, _, error) = Run("image", "decrypt", "--hmac-key", EncryptedImageVectors.KeyFile("ecc_a", "device_hmac_key.bin"),
            EncryptedImageVectors.PathOf("encrypted/ecc_bootloader_esp32c3.bin"), "-o", PathOf("dec.bin"));
        Assert.True(code == 0, error);
        Assert.Equal(File.ReadAllBytes(EncryptedImageVectors.PathOf("plain/bootloader_esp32c3.bin")), File.ReadAllBytes(PathOf("dec.bin")));
    }

    [Fact]
    public void Decrypt_TamperedImage_Exits1AndWritesNothing()
    {
        File.WriteAllBytes(PathOf("dec.bin"), [1, 2, 3]);
        var (code, _, error) = Run("image", "decrypt", "--private-key", EncryptedImageVectors.KeyFile("rsa_a", "rsa_priv_key.pem"),
            EncryptedImageVectors.PathOf("encrypted/neg_rsa_ciphertext_flipped.bin"), "-o", PathOf("dec.bin"));
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("ESP_FAIL", error);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(PathOf("dec.bin")));
        Assert.Single(_dir.GetFiles());
    }

    [Fact]
    public void Decrypt_WithoutAKey_IsUsage()
    {
        var (code, _, _) = Run("image", "decrypt", EncryptedImageVectors.PathOf("encrypted/rsa_one_byte.bin"), "-o", PathOf("dec.bin"));
        Assert.Equal(ExitCodes.Usage, code);
    }

    [Fact]
    public void Info_EncryptedFile_SaysWhatItIs()
    {
        var (code, output, _) = Run("image", "info", EncryptedImageVectors.PathOf("encrypted/neg_ecc_truncated.bin"));
        Assert.Equal(0, code);
        Assert.Contains("Pre-encrypted image (esp_encrypted_img", output);
        Assert.Contains("truncated", output);
    }
}

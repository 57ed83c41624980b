using System.Text.Json.Nodes;
using EspOta.Cli;
using EspOta.Security;
using EspOta.Tests.Security;
using EspOta.Tests.Shared;

namespace EspOta.Tests.Cli;

/// <summary><c>esp-ota key generate|digest</c> and <c>image sign|signature-info|verify-signature</c>, run in-process.</summary>
public sealed class SignatureCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("espota-sign-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliRunner.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string PathIn(string name) => Path.Combine(_dir, name);

    [Theory]
    [InlineData("rsa3072", "RSA PRIVATE KEY")]
    [InlineData("ecdsa192", "EC PRIVATE KEY")]
    [InlineData("ecdsa256", "EC PRIVATE KEY")]
    [InlineData("ecdsa384", "EC PRIVATE KEY")]
    public void GenerateSignVerify_EachScheme_EndToEnd(string scheme, string label)
    {
        var key = PathIn("k.pem");
        var pub = PathIn("k.pub.pem");
        var (code, _, err) = Run("key", "generate", "--scheme", scheme, key, "--public", pub);
        Assert.True(code == ExitCodes.Ok, err);
        Assert.StartsWith($"-----BEGIN {label}-----", File.ReadAllText(key), StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Failure, Run("key", "generate", "--scheme", scheme, key).Code);

        var digestFile = PathIn("k.digest.bin");
        var (dcode, dout, _) = Run("key", "digest", pub, "-o", digestFile);
        Assert.Equal(ExitCodes.Ok, dcode);
        Assert.Equal(Convert.ToHexStringLower(File.ReadAllBytes(digestFile)), dout.Trim());
        Assert.Equal(dout.Trim(), Run("key", "digest", key).Out.Trim());

        var signed = PathIn("signed.bin");
        var (scode, sout, serr) = Run("image", "sign", SecureBootVectors.PathOf("inputs/e2i_esp32c6_appdesc.bin"), "--key", key, "-o", signed);
        Assert.True(scode == ExitCodes.Ok, serr);
        Assert.Contains("Padding data contents by 3760 bytes", sout, StringComparison.Ordinal);
        Assert.Contains("Signature sector now has 1 signature blocks.", sout, StringComparison.Ordinal);

        var (icode, iout, _) = Run("image", "signature-info", signed);
        Assert.Equal(ExitCodes.Ok, icode);
        Assert.Contains($"Public key digest for block 0: {SecureBootKeyDigest.Parse(dout.Trim()).ToSpacedHex()}", iout, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Ok, Run("image", "verify-signature", signed, "--key", pub).Code);
        Assert.Equal(ExitCodes.Ok, Run("image", "verify-signature", signed, "--digest", digestFile).Code);
        var (fcode, fout, _) = Run("image", "verify-signature", signed, "--key", SecureBootVectors.PathOf("keys/rsa3072_b.pub.pem"), "--json");
        Assert.Equal(ExitCodes.Failure, fcode);
        Assert.False(JsonNode.Parse(fout)!["valid"]!.GetValue<bool>());
    }

    [Fact]
    public void Sign_AppendAndRefusals_ExitCodes()
    {
        var signed = PathIn("s.bin");
        var keys = new[] { "rsa3072_a", "rsa3072_b", "rsa3072_c" }.Select(k => SecureBootVectors.PathOf($"keys/{k}.pem")).ToArray();
        var input = SecureBootVectors.PathOf("inputs/bootloader_esp32c3.bin");
        Assert.Equal(ExitCodes.Ok, Run("image", "sign", input, "--key", keys[0], "-o", signed).Code);
        var (code, output, _) = Run("image", "sign", signed, "--key", keys[1], "--key", keys[2], "--append", "--json");
        Assert.Equal(ExitCodes.Ok, code);
        var json = JsonNode.Parse(output)!;
        Assert.Equal(1, json["kept_blocks"]!.GetValue<int>());
        Assert.Equal(3, json["total_blocks"]!.GetValue<int>());
        var (full, _, err) = Run("image", "sign", signed, "--key", keys[0], "--append");
        Assert.Equal(ExitCodes.Failure, full);
        Assert.Contains("Upto 3 signature blocks", err, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", err, StringComparison.Ordinal);
        var info = JsonNode.Parse(Run("image", "signature-info", signed, "--json").Out)!;
        Assert.Equal(3, info["blocks"]!.AsArray().Count);
    }

    [Fact]
    public void SignatureInfo_NotAligned_Failure()
    {
        var (code, _, err) = Run("image", "signature-info", SecureBootVectors.PathOf("signed/neg_truncated_not_sector_multiple.bin"));
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("multiple of 4096", err, StringComparison.Ordinal);
        var (mcode, _, merr) = Run("image", "signature-info", SecureBootVectors.PathOf("signed/neg_body_byte_flipped.bin"));
        Assert.Equal(ExitCodes.Failure, mcode);
        Assert.Contains("Digest in signature block 0 doesn't match", merr, StringComparison.Ordinal);
    }

    [Fact]
    public void InfoJson_SignedImage_ShowsBlocks()
    {
        var (code, output, _) = Run("image", "info", Vectors.PathOf("images", "secure_bootloader_signed_v2_rsa.bin"), "--chip", "esp32", "--json");
        Assert.Equal(ExitCodes.Ok, code);
        var block = JsonNode.Parse(output)!["signature_sector"]!["blocks"]!.AsArray().Single()!;
        Assert.Equal("rsa3072", block["scheme"]!.GetValue<string>());
        Assert.True(block["image_digest_matches"]!.GetValue<bool>());
        var text = Run("image", "info", Vectors.PathOf("images", "secure_bootloader_signed_v2_rsa.bin"), "--chip", "esp32", "--signatures").Out;
        Assert.Contains("Secure Boot v2 signature sector at 0x", text, StringComparison.Ordinal);
    }

    [Fact]
    public void GenerateEcies_OutDir_EspEncImgGenFilesThatDeriveAgain()
    {
        var (code, _, err) = Run("key", "generate", "--scheme", "ecies-p256", "--out-dir", _dir);
        Assert.True(code == ExitCodes.Ok, err);
        var hmac = File.ReadAllBytes(PathIn("device_hmac_key.bin"));
        using var derived = EciesDeviceKey.FromHmacKey(hmac);
        Assert.Equal(File.ReadAllText(PathIn("device_pub_key.pem")), derived.ExportPublicPem());
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(PathIn("device_priv_key.pem")), StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, Run("key", "generate", "--scheme", "rsa3072", "--out-dir", _dir).Code);
        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", File.ReadAllText(PathIn("rsa_priv_key.pem")), StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", File.ReadAllText(PathIn("rsa_pub_key.pem")), StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_UnknownScheme_Usage()
    {
        Assert.Equal(ExitCodes.Usage, Run("key", "generate", "--scheme", "dsa", PathIn("x.pem")).Code);
    }
}

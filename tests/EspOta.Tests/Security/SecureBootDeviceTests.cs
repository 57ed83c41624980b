using EspOta.Boot;
using EspOta.Images;
using EspOta.OtaData;
using EspOta.Security;
using EspOta.Tests.Device;

namespace EspOta.Tests.Security;

/// <summary>The bootloader with Secure Boot v2, the update check of each mode, revocation and aggressive revocation.</summary>
public sealed class SecureBootDeviceTests
{
    private static SecureBootSigningKey Key(string name) => SecureBootSigningKey.FromPem(SecureBootVectors.PrivatePem(name));

    private static byte[] Signed(byte[] image, params string[] keys)
    {
        var loaded = keys.Select(Key).ToList();
        try
        {
            return ImageSigner.Sign(image, loaded).Bytes;
        }
        finally
        {
            loaded.ForEach(k => k.Dispose());
        }
    }

    private static SecureBootDeviceConfig C3(params string[] trusted) =>
        SecureBootDeviceConfig.SecureBoot(Chip.Esp32C3, SignatureScheme.Rsa3072, [.. trusted.Select(SecureBootVectors.Digest)]);

    private static BootResult Boot(EspOta.Flash.MemoryFlash flash, SecureBootDeviceConfig config, int selectSlot)
    {
        var table = TestDevices.Layout(factory: false, slots: 2);
        var otadata = new OtaDataPartition(flash, table.FindFirst(label: "otadata")!);
        otadata.Write(0, OtaSelectEntry.Create((uint)selectSlot + 1, OtaImageState.Valid));
        return new Bootloader(flash, new BootOptions(), new SecureBootImageValidator(config, inBootloader: true)).Boot();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("rsa3072_c")]
    public void Boot_SelectedAppUnsignedOrForeignSigned_SkippedAndSignedFallbackBoots(string? foreignKey)
    {
        var table = TestDevices.Layout(factory: false, slots: 2);
        var newer = TestDevices.App("2.0.0");
        var selected = foreignKey is null ? newer : Signed(newer, foreignKey);
        var flash = TestDevices.Flash(table, ("ota_0", Signed(TestDevices.App("1.0.0"), "rsa3072_a")), ("ota_1", selected));
        var result = Boot(flash, C3("rsa3072_a", "rsa3072_b"), selectSlot: 1);
        Assert.Equal("ota_0", result.Booted!.Label);
        Assert.Equal("1.0.0", result.App!.Version);

        // Without secure boot the selected (unsigned or foreign) app boots.
        var plain = new Bootloader(flash, new BootOptions(), EspImageValidator.ForChip(Chip.Esp32C3)).Boot();
        Assert.Equal("ota_1", plain.Booted!.Label);
    }

    [Fact]
    public void Boot_RevokedKey_ItsImagesDoNotBoot()
    {
        var table = TestDevices.Layout(factory: false, slots: 2);
        var flash = TestDevices.Flash(table, ("ota_0", Signed(TestDevices.App("1.0.0"), "rsa3072_a")), ("ota_1", Signed(TestDevices.App("2.0.0"), "rsa3072_b")));
        var config = C3("rsa3072_a", "rsa3072_b");
        Assert.Equal("ota_1", Boot(flash, config, 1).Booted!.Label);
        config.Efuses.Revoke(1);
        Assert.Equal("ota_0", Boot(flash, config, 1).Booted!.Label);
        config.Efuses.Revoke(0);
        Assert.True(Boot(flash, config, 1).IsReset);
    }

    [Fact]
    public void Boot_ImageSignedByTwoKeys_BootsUntilBothRevoked()
    {
        var table = TestDevices.Layout(factory: false, slots: 2);
        var flash = TestDevices.Flash(table, ("ota_0", Signed(TestDevices.App("1.0.0"), "rsa3072_a", "rsa3072_b")));
        var config = C3("rsa3072_a", "rsa3072_b");
        config.Efuses.Revoke(0);
        Assert.Equal("ota_0", Boot(flash, config, 0).Booted!.Label);
        config.Efuses.Revoke(1);
        Assert.True(Boot(flash, config, 0).IsReset);
    }

    [Fact]
    public void Boot_Esp32OneDigest_OnlyBlockZeroCounts()
    {
        var table = TestDevices.Layout(factory: false, slots: 2);
        var app = new AppImageBuilder(Chip.Esp32).WithVersion("1.0.0").WithPayload(4096).Build();
        var config = SecureBootDeviceConfig.SecureBoot(Chip.Esp32, SignatureScheme.Rsa3072, [SecureBootVectors.Digest("rsa3072_a")]);
        Assert.Throws<ArgumentException>(() => SecureBootDeviceConfig.SecureBoot(Chip.Esp32, SignatureScheme.EcdsaP256, []));
        Assert.Throws<ArgumentException>(() => SecureBootDeviceConfig.SecureBoot(Chip.Esp32, SignatureScheme.Rsa3072, [SecureBootVectors.Digest("rsa3072_a"), SecureBootVectors.Digest("rsa3072_b")]));
        var second = TestDevices.Flash(table, ("ota_0", Signed(app, "rsa3072_c", "rsa3072_a")));
        Assert.True(Boot(second, config, 0).IsReset);
        var first = TestDevices.Flash(table, ("ota_0", Signed(app, "rsa3072_a", "rsa3072_c")));
        Assert.Equal("ota_0", Boot(first, config, 0).Booted!.Label);
    }

    [Fact]
    public void Boot_C5EcdsaP384_SignedAppBootsAndP256AppDoesNot()
    {
        var table = TestDevices.Layout(factory: false, slots: 2);
        var app = new AppImageBuilder(Chip.Esp32C5).WithVersion("1.0.0").WithPayload(4096).Build();
        var config = SecureBootDeviceConfig.SecureBoot(Chip.Esp32C5, SignatureScheme.EcdsaP384, [SecureBootVectors.Digest("ecdsa384_a"), SecureBootVectors.Digest("ecdsa256_a")]);
        var flash = TestDevices.Flash(table, ("ota_0", Signed(app, "ecdsa384_a")), ("ota_1", Signed(app, "ecdsa256_a")));
        Assert.Equal("ota_0", Boot(flash, config, 1).Booted!.Label);
    }

    [Fact]
    public void Update_SignedAppsNoSecureBoot_TrustsTheRunningAppsKeyOnly()
    {
        var table = TestDevices.Layout(factory: false, slots: 2);
        var flash = TestDevices.Flash(table, ("ota_0", Signed(TestDevices.App("1.0.0"), "rsa3072_a")), ("ota_1", Signed(TestDevices.App("2.0.0"), "rsa3072_b")));
        var config = SecureBootDeviceConfig.SignedAppsOnly(Chip.Esp32C3, SignatureScheme.Rsa3072);
        var running = table.FindFirst(label: "ota_0");
        var app = new SecureBootImageValidator(config, inBootloader: false, () => running);
        Assert.False(app.Validate(flash, table.FindFirst(label: "ota_1")!).IsValid);
        Assert.Equal(BlockStatus.UntrustedKey, app.LastVerification!.Refusal);
        flash.Erase(table.FindFirst(label: "ota_1")!.Offset, 0x10000);
        flash.Write(table.FindFirst(label: "ota_1")!.Offset, Signed(TestDevices.App("2.0.0"), "rsa3072_a"));
        Assert.True(app.Validate(flash, table.FindFirst(label: "ota_1")!).IsValid);
        Assert.Equal(SecureBootVectors.Digest("rsa3072_a"), app.LastVerification!.SignedBy);

        // The bootloader of this mode checks nothing: an unsigned app boots.
        flash.Erase(table.FindFirst(label: "ota_1")!.Offset, 0x10000);
        flash.Write(table.FindFirst(label: "ota_1")!.Offset, TestDevices.App("3.0.0"));
        Assert.Equal("ota_1", Boot(flash, config, 1).Booted!.Label);
        Assert.False(app.Validate(flash, table.FindFirst(label: "ota_1")!).IsValid);
    }

    [Fact]
    public void Update_SecureBootWithoutDigests_Fail()
    {
        var config = new SecureBootDeviceConfig(Chip.Esp32C3, SignedAppMode.SecureBoot, SignatureScheme.Rsa3072, new SecureBootEfuses());
        config.Efuses.Enable();
        var region = SignedImageRegion.FromSignedFile(Signed(TestDevices.App("1.0.0"), "rsa3072_a"));
        var ex = Assert.Throws<EspException>(() => SecureBootChecks.VerifyUpdate(region, config.Mode, config.Scheme, config.Efuses, null, config.Capabilities));
        Assert.Equal(EspError.Fail, ex.Code);
    }

    [Fact]
    public void RevokeKey_EspIdfRules()
    {
        var config = C3("rsa3072_a", "rsa3072_b");
        var caps = config.Capabilities;
        var both = SignedImageRegion.FromSignedFile(Signed(TestDevices.App("1.0.0"), "rsa3072_a", "rsa3072_b"));
        var onlyA = SignedImageRegion.FromSignedFile(Signed(TestDevices.App("1.0.0"), "rsa3072_a"));
        EspError Code(Action a) => Assert.Throws<EspException>(a).Code;

        Assert.Equal(EspError.InvalidArg, Code(() => SecureBootChecks.RevokeKey(3, config.Efuses, caps, config.Scheme, both, both, true)));
        Assert.Equal(EspError.Fail, Code(() => SecureBootChecks.RevokeKey(0, config.Efuses, caps, config.Scheme, both, both, runningAppConfirmed: false)));
        Assert.Equal(EspError.Fail, Code(() => SecureBootChecks.RevokeKey(0, config.Efuses, caps, config.Scheme, onlyA, both, true)));
        Assert.Equal(EspError.Fail, Code(() => SecureBootChecks.RevokeKey(0, config.Efuses, caps, config.Scheme, both, onlyA, true)));
        Assert.Equal(EspError.Fail, Code(() => SecureBootChecks.RevokeKey(0, config.Efuses, caps, config.Scheme, both, null, true)));
        Assert.False(config.Efuses.Revoked[0]);

        SecureBootChecks.RevokeKey(0, config.Efuses, caps, config.Scheme, both, both, true);
        Assert.True(config.Efuses.Revoked[0]);
        SecureBootChecks.RevokeKey(0, config.Efuses, caps, config.Scheme, both, both, true); // already revoked: ESP_OK
        SecureBootChecks.RevokeKey(2, config.Efuses, caps, config.Scheme, both, both, true); // blank slot reads as revoked: ESP_OK
        Assert.False(config.Efuses.Revoked[2]);
        Assert.Equal(EspError.Fail, Code(() => SecureBootChecks.RevokeKey(1, config.Efuses, caps, config.Scheme, both, both, true)));

        var off = new SecureBootDeviceConfig(Chip.Esp32C3, SignedAppMode.SecureBoot, SignatureScheme.Rsa3072, new SecureBootEfuses());
        Assert.Equal(EspError.Fail, Code(() => SecureBootChecks.RevokeKey(0, off.Efuses, caps, off.Scheme, both, both, true)));
        var esp32 = SecureBootDeviceConfig.SecureBoot(Chip.Esp32, SignatureScheme.Rsa3072, [SecureBootVectors.Digest("rsa3072_a")]);
        Assert.Equal(EspError.NotSupported, Code(() => SecureBootChecks.RevokeKey(0, esp32.Efuses, esp32.Capabilities, esp32.Scheme, both, both, true)));
    }

    [Fact]
    public void RomBootloaderCheck_AggressiveRevoke_OnlyABadSignatureRevokes()
    {
        var good = Signed(TestDevices.App("bootloader"), "rsa3072_a", "rsa3072_b");
        int blockB = good.Length - SignatureSector.Size + SignatureBlockV2.Size;

        // Block 1 (key b): signature byte flipped, CRC fixed → b's signature fails.
        var badSignature = (byte[])good.Clone();
        badSignature[blockB + SignatureBlockV2.RsaSignatureOffset] ^= 1;
        SignatureBlockV2.Read(badSignature.AsSpan(blockB)).WithCrc().WriteTo(badSignature.AsSpan(blockB));

        // Block 1: stored image digest changed, CRC fixed → a digest mismatch, which revokes nothing.
        var badDigest = (byte[])good.Clone();
        badDigest[blockB + SignatureBlockV2.DigestOffset] ^= 1;
        SignatureBlockV2.Read(badDigest.AsSpan(blockB)).WithCrc().WriteTo(badDigest.AsSpan(blockB));

        var calm = C3("rsa3072_a", "rsa3072_b");
        Assert.True(SecureBootChecks.VerifyBootloaderByRom(SignedImageRegion.FromSignedFile(badSignature), calm.Efuses, calm.Scheme, calm.Capabilities).IsValid);
        Assert.False(calm.Efuses.Revoked[1]);

        var aggressive = SecureBootDeviceConfig.SecureBoot(Chip.Esp32C3, SignatureScheme.Rsa3072, [SecureBootVectors.Digest("rsa3072_b"), SecureBootVectors.Digest("rsa3072_a")], aggressiveRevoke: true);
        SecureBootChecks.VerifyBootloaderByRom(SignedImageRegion.FromSignedFile(badDigest), aggressive.Efuses, aggressive.Scheme, aggressive.Capabilities);
        Assert.False(aggressive.Efuses.Revoked[0]);

        // Block 0 (key a) verifies first, so b's block is not even looked at; put b first to make it fail.
        var bFirst = Signed(TestDevices.App("bootloader"), "rsa3072_b", "rsa3072_a");
        int blockB0 = bFirst.Length - SignatureSector.Size;
        bFirst[blockB0 + SignatureBlockV2.RsaSignatureOffset] ^= 1;
        SignatureBlockV2.Read(bFirst.AsSpan(blockB0)).WithCrc().WriteTo(bFirst.AsSpan(blockB0));
        var verdict = SecureBootChecks.VerifyBootloaderByRom(SignedImageRegion.FromSignedFile(bFirst), aggressive.Efuses, aggressive.Scheme, aggressive.Capabilities);
        Assert.True(verdict.IsValid);
        Assert.True(aggressive.Efuses.Revoked[0]);
        Assert.False(aggressive.Efuses.Revoked[1]);
    }
}

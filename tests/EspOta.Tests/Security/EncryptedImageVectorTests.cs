using System.Buffers.Binary;
using EspOta.Security;

namespace EspOta.Tests.Security;

/// <summary>Every esp_enc_img_gen.py output and Espressif test file in the vectors, and the vector keys.</summary>
public sealed class EncryptedImageVectorTests
{
    [Theory]
    [MemberData(nameof(EncryptedImageVectors.CaseNames), MemberType = typeof(EncryptedImageVectors))]
    public void Header_EveryVector_MatchesTheRecordedFields(string name)
    {
        var c = EncryptedImageVectors.Case(name);
        var bytes = File.ReadAllBytes(EncryptedImageVectors.PathOf(c.Text("file")!));
        Assert.Equal(c.GetProperty("size").GetInt64(), bytes.Length);
        var expected = c.GetProperty("header");
        Assert.True(bytes.Length >= EncryptedImageHeader.Size);
        var header = EncryptedImageHeader.Read(bytes);

        Assert.Equal(expected.GetProperty("magic").GetUInt32(), header.Magic);
        Assert.Equal(expected.GetProperty("magic_ok").GetBoolean(), header.HasValidMagic);
        Assert.Equal(expected.GetProperty("magic_ok").GetBoolean(), EncryptedImageHeader.StartsWithMagic(bytes));
        Assert.Equal(expected.Text("iv"), Convert.ToHexStringLower(header.Iv.Span));
        Assert.Equal(expected.GetProperty("bin_size").GetUInt32(), header.PlainLength);
        Assert.Equal(expected.Text("auth_tag"), Convert.ToHexStringLower(header.AuthTag.Span));
        Assert.Equal(expected.GetProperty("reserved_424_511_all_zero").GetBoolean(), !header.Reserved.Span.ContainsAnyExcept((byte)0));
        Assert.Equal(expected.GetProperty("ciphertext_length_in_file").GetInt64(), bytes.Length - EncryptedImageHeader.Size);
        if (expected.Text("enc_gcm_key") is string wrapped)
        {
            Assert.Equal(wrapped, Convert.ToHexStringLower(header.KeyArea.Span));
        }
        else
        {
            Assert.Equal(expected.Text("server_pub_key_xy"), Convert.ToHexStringLower(header.ServerPublicKey.Span));
            Assert.Equal(expected.Text("kdf_salt"), Convert.ToHexStringLower(header.KdfSalt.Span));
            Assert.Equal(expected.GetProperty("reserved_100_387_all_zero").GetBoolean(),
                !header.KeyArea.Span[(EncryptedImageHeader.EciesReservedOffset - EncryptedImageHeader.KeyAreaOffset)..].ContainsAnyExcept((byte)0));
        }

        // write(read(x)) == x for the header bytes.
        Assert.Equal(bytes[..EncryptedImageHeader.Size], header.ToArray());
    }

    [Theory]
    [MemberData(nameof(EncryptedImageVectors.CaseNames), MemberType = typeof(EncryptedImageVectors))]
    public void Decrypt_EveryVector_GivesThePlainImageOrIsRejected(string name)
    {
        var c = EncryptedImageVectors.Case(name);
        var encrypted = File.ReadAllBytes(EncryptedImageVectors.PathOf(c.Text("file")!));
        using var key = ImageDecryptionKey.Load(EncryptedImageVectors.PathOf(c.Text("decrypt_key_file")!));
        Assert.Equal(c.Text("scheme") == "RSA-3072" ? EncryptedImageScheme.Rsa3072 : EncryptedImageScheme.EciesP256, key.Scheme);

        bool toolAccepts = c.Flag("tool_accepts") == true;
        if (toolAccepts)
        {
            var plain = File.ReadAllBytes(EncryptedImageVectors.PathOf(c.Text("plain")!));
            if (c.Text("decrypted_sha256") is string sha)
            {
                Assert.Equal(sha, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(plain)));
            }

            Assert.Equal(plain, EncryptedImageDecryptor.Decrypt(encrypted, key, ignoreTrailingData: true));
        }
        else
        {
            Assert.Throws<EncryptedImageException>(() => EncryptedImageDecryptor.Decrypt(encrypted, key, ignoreTrailingData: true));
        }

        if (EncryptedImageVectors.DeviceRejects(c))
        {
            var ex = Assert.Throws<EncryptedImageException>(() => EncryptedImageDecryptor.Decrypt(encrypted, key));
            Assert.Equal(EspError.Fail, ex.Code);
        }
        else
        {
            var plain = File.ReadAllBytes(EncryptedImageVectors.PathOf(c.Text("plain")!));
            Assert.Equal(plain, EncryptedImageDecryptor.Decrypt(encrypted, key));
        }
    }

    [Theory]
    [MemberData(nameof(EncryptedImageVectors.CaseNames), MemberType = typeof(EncryptedImageVectors))]
    public void Decrypt_EveryVectorInSmallChunks_GivesTheSameResult(string name)
    {
        // The device gets the file in whatever pieces the network delivers; 1, 3, 16 and 509 cut the
        // header and the body at every kind of boundary.
        var c = EncryptedImageVectors.Case(name);
        var encrypted = File.ReadAllBytes(EncryptedImageVectors.PathOf(c.Text("file")!));
        using var key = ImageDecryptionKey.Load(EncryptedImageVectors.PathOf(c.Text("decrypt_key_file")!));
        foreach (int chunk in new[] { 1, 3, 16, 509 })
        {
            var decryptor = new EncryptedImageDecryptor(key);
            using var output = new MemoryStream();
            var buffer = new byte[EncryptedImageDecryptor.MaxOutputLength(chunk)];
            EncryptedImageException? failure = null;
            try
            {
                for (int at = 0; at < encrypted.Length; at += chunk)
                {
                    var piece = encrypted.AsSpan(at, Math.Min(chunk, encrypted.Length - at));
                    output.Write(buffer, 0, decryptor.Update(piece, buffer));
                }

                output.Write(buffer, 0, decryptor.Final(buffer));
            }
            catch (EncryptedImageException ex)
            {
                failure = ex;
            }

            if (EncryptedImageVectors.DeviceRejects(c))
            {
                Assert.NotNull(failure);
            }
            else
            {
                Assert.Null(failure);
                Assert.Equal(File.ReadAllBytes(EncryptedImageVectors.PathOf(c.Text("plain")!)), output.ToArray());
            }
        }
    }

    [Theory]
    [MemberData(nameof(EncryptedImageVectors.CaseNames), MemberType = typeof(EncryptedImageVectors))]
    public void RecoverGcmKey_AcceptedVectors_IsTheRecordedAesKey(string name)
    {
        var c = EncryptedImageVectors.Case(name);
        if (!c.TryGetProperty("intermediate", out var intermediate) || intermediate.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            return;
        }

        var encrypted = File.ReadAllBytes(EncryptedImageVectors.PathOf(c.Text("file")!));
        using var key = ImageDecryptionKey.Load(EncryptedImageVectors.PathOf(c.Text("decrypt_key_file")!));
        var aes = key.RecoverGcmKey(EncryptedImageHeader.Read(encrypted));
        Assert.Equal(intermediate.Text("aes_256_gcm_key"), Convert.ToHexStringLower(aes));
    }

    [Theory]
    [MemberData(nameof(EncryptedImageVectors.KeyNames), MemberType = typeof(EncryptedImageVectors))]
    public void HmacKey_EveryEciesKeySet_DerivesTheDeviceKey(string name)
    {
        var k = EncryptedImageVectors.Key(name);
        var files = EncryptedImageVectors.KeyFiles(name).ToList();
        if (!files.Contains("device_hmac_key.bin"))
        {
            return;
        }

        var hmac = File.ReadAllBytes(EncryptedImageVectors.KeyFile(name, "device_hmac_key.bin"));
        using var derived = ImageDecryptionKey.FromHmacKey(hmac);
        Assert.Equal(EncryptedImageScheme.EciesP256, derived.Scheme);
        using var publicKey = ImageEncryptionKey.Load(EncryptedImageVectors.KeyFile(name, "device_pub_key.pem"));
        using var derivedPublic = derived.PublicKey;
        Assert.Equal(publicKey.ExportSubjectPublicKeyInfo(), derivedPublic.ExportSubjectPublicKeyInfo());
        using var fromPem = ImageDecryptionKey.Load(EncryptedImageVectors.KeyFile(name, "device_priv_key.pem"));
        using var fromPemPublic = fromPem.PublicKey;
        Assert.Equal(publicKey.ExportSubjectPublicKeyInfo(), fromPemPublic.ExportSubjectPublicKeyInfo());
        if (k.Text("private_scalar") is string scalar)
        {
            using var fromScalar = ImageDecryptionKey.FromP256Scalar(Convert.FromHexString(scalar));
            using var fromScalarPublic = fromScalar.PublicKey;
            Assert.Equal(publicKey.ExportSubjectPublicKeyInfo(), fromScalarPublic.ExportSubjectPublicKeyInfo());
        }
    }

    [Theory]
    [MemberData(nameof(EncryptedImageVectors.CaseNames), MemberType = typeof(EncryptedImageVectors))]
    public void Decrypt_EciesVectors_WithTheKeyDerivedFromTheHmacKey(string name)
    {
        var c = EncryptedImageVectors.Case(name);
        var keyName = c.Text("key")!;
        if (c.Text("scheme") != "ECIES-P256" || !EncryptedImageVectors.KeyFiles(keyName).Contains("device_hmac_key.bin"))
        {
            return;
        }

        var encrypted = File.ReadAllBytes(EncryptedImageVectors.PathOf(c.Text("file")!));
        using var key = ImageDecryptionKey.FromHmacKey(File.ReadAllBytes(EncryptedImageVectors.KeyFile(keyName, "device_hmac_key.bin")));
        if (EncryptedImageVectors.DeviceRejects(c))
        {
            Assert.Throws<EncryptedImageException>(() => EncryptedImageDecryptor.Decrypt(encrypted, key));
        }
        else
        {
            Assert.Equal(File.ReadAllBytes(EncryptedImageVectors.PathOf(c.Text("plain")!)), EncryptedImageDecryptor.Decrypt(encrypted, key));
        }
    }

    [Theory]
    [MemberData(nameof(EncryptedImageVectors.KeyNames), MemberType = typeof(EncryptedImageVectors))]
    public void Encrypt_EveryKeySetAndPlainInput_DecryptsBackWithTheToolLayout(string name)
    {
        var files = EncryptedImageVectors.KeyFiles(name).ToList();
        string? publicFile = files.FirstOrDefault(f => f.EndsWith("pub_key.pem", StringComparison.Ordinal))
            ?? files.FirstOrDefault(f => f.StartsWith("rsa_priv", StringComparison.Ordinal));
        string? privateFile = files.FirstOrDefault(f => f.EndsWith("priv_key.pem", StringComparison.Ordinal));
        Assert.NotNull(publicFile);
        Assert.NotNull(privateFile);
        using var encryptKey = ImageEncryptionKey.Load(EncryptedImageVectors.KeyFile(name, publicFile));
        using var decryptKey = ImageDecryptionKey.Load(EncryptedImageVectors.KeyFile(name, privateFile));
        Assert.Equal(decryptKey.Scheme, encryptKey.Scheme);
        foreach (var p in EncryptedImageVectors.Root.GetProperty("plain").EnumerateArray())
        {
            var plain = File.ReadAllBytes(EncryptedImageVectors.PathOf(p.Text("file")!));
            var encrypted = EncryptedImageEncryptor.Encrypt(plain, encryptKey);
            Assert.Equal(EncryptedImageHeader.Size + plain.Length, encrypted.Length);
            Assert.Equal(EncryptedImageHeader.ImageMagic, BinaryPrimitives.ReadUInt32LittleEndian(encrypted));
            Assert.Equal((uint)plain.Length, BinaryPrimitives.ReadUInt32LittleEndian(encrypted.AsSpan(404)));
            Assert.False(encrypted.AsSpan(424, 88).ContainsAnyExcept((byte)0));
            if (encryptKey.Scheme == EncryptedImageScheme.EciesP256)
            {
                Assert.False(encrypted.AsSpan(100, 288).ContainsAnyExcept((byte)0));
            }

            Assert.Equal(plain, EncryptedImageDecryptor.Decrypt(encrypted, decryptKey));
        }
    }
}

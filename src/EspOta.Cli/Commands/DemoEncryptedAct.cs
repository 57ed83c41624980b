using System.Net.Http.Json;
using System.Security.Cryptography;
using EspOta.Flash;
using EspOta.Http;
using EspOta.Images;
using EspOta.Security;
using EspOta.Server.Encryption;
using EspOta.Simulation;

namespace EspOta.Cli.Commands;

/// <summary>
/// The demo's pre-encrypted act (issue 11): a project with an ECIES-P256 encryption key (the device's
/// key derived from its eFuse HMAC key, as esp_encrypted_img does); the plain v2 upload is stored only
/// as esp_encrypted_img ciphertext; the device's download is cut halfway, the device reboots, resumes
/// the encrypted stream, installs and confirms v2; a device with another key refuses it before
/// anything is erased.
/// </summary>
internal static class DemoEncryptedAct
{
    private const string Project = "esp-ota-demo-encrypted";
    private const long SlotSize = 0x100000;

    public static async Task RunAsync(CliContext context, bool json, HttpClient admin, HttpClient http, string dataDirectory, List<(string What, bool Ok)> checks)
    {
        using var deviceKey = ImageDecryptionKey.FromHmacKey(RandomNumberGenerator.GetBytes(32));
        using var otherKey = ImageDecryptionKey.FromHmacKey(RandomNumberGenerator.GetBytes(32));
        using var publicKey = deviceKey.PublicKey;
        using (var set = await admin.PutAsJsonAsync($"api/projects/{Project}/encryption-key", new EncryptionKeyRequest(publicKey.ExportPem()), CliJsonContext.Default.EncryptionKeyRequest))
        {
            await ServerOptions.EnsureSuccessAsync(set, CancellationToken.None);
        }

        DemoCommand.Say(context, json, $"{Project}: ECIES-P256 encryption key {publicKey.Fingerprint[..16]}… set on the server (the device derives the private key from its eFuse HMAC key)");
        var v1 = Build("1.0.0", 64 * 1024, 11);
        var v2 = Build("2.0.0", 512 * 1024, 12);
        FirmwareEncryptionFacts? stored = null;
        using (var content = new ByteArrayContent(v2))
        {
            content.Headers.ContentType = new("application/octet-stream");
            using var response = await admin.PostAsync("api/firmware", content);
            await ServerOptions.EnsureSuccessAsync(response, CancellationToken.None);
            var info = await response.Content.ReadFromJsonAsync(CliJsonContext.Default.FirmwareInfo);
            if (info?.Encryption is { } encryption)
            {
                stored = new FirmwareEncryptionFacts(info.Sha256, File.ReadAllBytes(Path.Combine(dataDirectory, "images", info.Sha256 + ".bin")), encryption.ImageSha256);
            }
        }

        checks.Add(("encrypted v2 stored only as esp_encrypted_img ciphertext that decrypts to the upload",
            stored is { } s && EncryptedImageHeader.StartsWithMagic(s.File) && s.File.Length == v2.Length + EncryptedImageHeader.Size
            && s.File.AsSpan().IndexOf(v2.AsSpan(0, 1024)) < 0
            && EncryptedImageDecryptor.Decrypt(s.File, deviceKey).AsSpan().SequenceEqual(v2)
            && s.ImageSha256 == Convert.ToHexStringLower(SHA256.HashData(v2))));

        // The cut: the download is abandoned halfway (as a dropped link with no retries left would),
        // the device reboots, and the next cycle resumes the encrypted stream from its checkpoint.
        using var cut = new CancellationTokenSource();
        var checkpoints = new MemoryOtaCheckpointStore();
        var device = new SimulatedDevice(
            "demo-encrypted-device",
            Chip.Esp32,
            MemoryFlash.FromImage(SimulatedDeviceFlash.Build(v1, SlotSize)),
            new HttpOtaClient(http, new HttpOtaClientOptions { RequestSize = 32 * 1024 }) { DecryptionKey = deviceKey },
            new SimulatedDeviceOptions
            {
                Checkpoints = checkpoints,
                Progress = new CutHalfway(cut),
            });
        bool interrupted = false;
        try
        {
            await device.RunCycleAsync(cut.Token);
        }
        catch (OperationCanceledException)
        {
            interrupted = true;
        }

        long saved = checkpoints.Load()?.BytesWritten ?? 0;
        bool oldBoots = device.Device.Reboot().App?.Version == "1.0.0";
        var resumed = await device.RunCycleAsync();
        checks.Add(("encrypted download cut halfway, device rebooted into v1, resumed (decryption state rebuilt from flash) and confirmed v2",
            interrupted && saved > 0 && oldBoots && resumed.Outcome == DeviceCycleOutcome.Updated
            && resumed.Install?.ResumedFrom == saved && device.RunningApp?.Version == "2.0.0"));
        DemoCommand.Say(context, json, $"encrypted v2: cut at {saved} B on flash, resumed, {resumed.Install?.BytesDownloaded} B fetched after the reboot");

        var flash = MemoryFlash.FromImage(SimulatedDeviceFlash.Build(v1, SlotSize));
        var stranger = new SimulatedDevice(
            "demo-wrong-key-device",
            Chip.Esp32,
            flash,
            new HttpOtaClient(http) { DecryptionKey = otherKey });
        stranger.Device.Reboot();
        var before = flash.Contents.ToArray();
        var refused = await stranger.RunCycleAsync();
        checks.Add(("a device with another key refuses encrypted v2 before anything is erased, v1 still boots",
            refused.Outcome == DeviceCycleOutcome.Refused && refused.Error is HttpOtaRefusedException { BeforeErase: true }
            && flash.Contents.SequenceEqual(before) && stranger.Device.Reboot().App?.Version == "1.0.0"));
    }

    private static byte[] Build(string version, int payload, ulong seed) =>
        new AppImageBuilder(Chip.Esp32).WithProject(Project).WithVersion(version).WithPayload(payload, seed).Build();

    private sealed record FirmwareEncryptionFacts(string Sha256, byte[] File, string ImageSha256);

    /// <summary>Cancels the download once half of it has been written.</summary>
    private sealed class CutHalfway(CancellationTokenSource cut) : IProgress<HttpOtaProgress>
    {
        public void Report(HttpOtaProgress value)
        {
            if (value.BytesWritten * 2 >= value.TotalBytes && value.TotalBytes > 0)
            {
                cut.Cancel();
            }
        }
    }
}

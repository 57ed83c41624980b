using EspOta.Device;
using EspOta.Images;
using EspOta.Payloads;
using EspOta.Security;

namespace EspOta.Http;

/// <summary>
/// What <c>esp_https_ota</c> does on a device, against the EspOta update server: the
/// <see cref="UpdateServerClient"/> asks for an update and reports, and each install is one
/// <see cref="RangedDownload"/> (header first, <see cref="ImageAdmission"/> before any erase, ranged
/// resumable streaming through an <see cref="IOtaPayloadStage"/> into an OTA session, SHA-256 check,
/// boot partition set).
/// </summary>
/// <remarks>The <see cref="HttpClient"/> must have its <see cref="HttpClient.BaseAddress"/> set to the server.</remarks>
public sealed class HttpOtaClient
{
    /// <summary>Creates a client over <paramref name="http"/> (whose base address is the server).</summary>
    public HttpOtaClient(HttpClient http, HttpOtaClientOptions? options = null)
    {
        Server = new UpdateServerClient(http, options);
    }

    /// <summary>The update-server API (check, report, offer validation).</summary>
    public UpdateServerClient Server { get; }

    /// <summary>The client's settings.</summary>
    public HttpOtaClientOptions Options => Server.Options;

    /// <summary>
    /// Chooses the payload stage for an offer; null (the default) installs a plain offer as a plain
    /// image and an <see cref="UpdateOffer.Encrypted"/> one through a <see cref="DecryptingPayloadStage"/>
    /// with <see cref="DecryptionKey"/>.
    /// </summary>
    public Func<UpdateOffer, IOtaPayloadStage>? PayloadStages { get; init; }

    /// <summary>
    /// The device's esp_encrypted_img private key (RSA-3072, or the ECIES-P256 key derived from its
    /// eFuse HMAC key), for offers the server marks <see cref="UpdateOffer.Encrypted"/>; null refuses
    /// such offers before anything is erased. The caller keeps ownership.
    /// </summary>
    public ImageDecryptionKey? DecryptionKey { get; init; }

    /// <inheritdoc cref="UpdateServerClient.CheckAsync"/>
    public Task<UpdateOffer?> CheckAsync(UpdateCheckRequest device, CancellationToken cancellationToken = default) =>
        Server.CheckAsync(device, cancellationToken);

    /// <inheritdoc cref="UpdateServerClient.ReportAsync"/>
    public Task<bool> ReportAsync(string deviceId, DeviceReport report, CancellationToken cancellationToken = default) =>
        Server.ReportAsync(deviceId, report, cancellationToken);

    /// <summary>
    /// Downloads <paramref name="offer"/> into the next update partition of <paramref name="device"/>'s
    /// running app, verifies it and sets it to boot next (the caller reboots).
    /// </summary>
    /// <param name="device">A device with a running app.</param>
    /// <param name="chip">The device's chip (<c>CONFIG_IDF_FIRMWARE_CHIP_ID</c>).</param>
    /// <param name="offer">What the server offered.</param>
    /// <param name="checkpoints">Where progress is kept across reboots; null disables resuming after a reboot.</param>
    /// <param name="progress">Receives progress after every write.</param>
    /// <param name="cancellationToken">Cancels the download (the partial image stays on flash and in the checkpoint).</param>
    /// <exception cref="HttpOtaRefusedException">The image is wrong for this device (see <see cref="HttpOtaRefusedException.BeforeErase"/>).</exception>
    /// <exception cref="EspException">The OTA operations failed (e.g. <see cref="EspError.OtaValidateFailed"/>), or the server could not be reached after the retries.</exception>
    public Task<HttpOtaResult> InstallAsync(
        EspDevice device,
        Chip chip,
        UpdateOffer offer,
        IOtaCheckpointStore? checkpoints = null,
        IProgress<HttpOtaProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(offer);
        if (PayloadStages is null && offer.Encrypted)
        {
            if (DecryptionKey is null)
            {
                return Task.FromException<HttpOtaResult>(new HttpOtaRefusedException(HttpOtaRefusal.NoDecryptionKey, EspError.NotSupported, beforeErase: true,
                    $"{offer.Project} {offer.Version} is offered pre-encrypted (esp_encrypted_img) and this client has no decryption key"));
            }

            // A patch is made from plain images, which the server of an encrypted project never keeps.
            return DeltaInstall.RunAsync(Server, device, chip, offer with { Patch = null }, checkpoints, progress, new DecryptingPayloadStage(DecryptionKey), cancellationToken);
        }

        return DeltaInstall.RunAsync(Server, device, chip, offer, checkpoints, progress, PayloadStages?.Invoke(offer), cancellationToken);
    }
}

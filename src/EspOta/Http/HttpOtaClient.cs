using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using EspOta.Boot;
using EspOta.Device;
using EspOta.Images;
using EspOta.Partitions;
using EspOta.Updates;

namespace EspOta.Http;

/// <summary>
/// What <c>esp_https_ota</c> does on a device, against the EspOta update server: ask for an update,
/// read the image header and <c>esp_app_desc_t</c> first and refuse a wrong image before anything is
/// erased, stream the rest in ranged requests straight into an <see cref="OtaUpdate"/>, survive dropped
/// connections and reboots by resuming from the bytes already written, check the announced SHA-256,
/// and only then set the boot partition.
/// </summary>
/// <remarks>
/// The refusals follow <c>components/esp_https_ota/src/esp_https_ota.c</c> (chip id) and the checks
/// of <c>examples/system/ota/advanced_https_ota</c> (same version, last invalid version, eFuse
/// secure version). The <see cref="HttpClient"/> must have its <see cref="HttpClient.BaseAddress"/> set
/// to the server.
/// </remarks>
public sealed class HttpOtaClient
{
    private readonly HttpClient _http;

    /// <summary>Creates a client over <paramref name="http"/> (whose base address is the server).</summary>
    public HttpOtaClient(HttpClient http, HttpOtaClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is null)
        {
            throw new ArgumentException("the HttpClient needs a BaseAddress (the update server)", nameof(http));
        }

        Options = options ?? new HttpOtaClientOptions();
        Options.Validate();
        _http = http;
    }

    /// <summary>The client's settings.</summary>
    public HttpOtaClientOptions Options { get; }

    /// <summary>Asks the server whether there is an update for <paramref name="device"/>; null when there is none (204).</summary>
    /// <exception cref="EspException">The server could not be reached (<see cref="EspError.HttpConnect"/>), or answered something else or an offer that is not valid JSON, lacks a field, has no 64-hex-digit sha256 or a positive size, or points off the server (<see cref="EspError.InvalidResponse"/>).</exception>
    public Task<UpdateOffer?> CheckAsync(UpdateCheckRequest device, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        return WithRetriesAsync(
            async token =>
            {
                using var response = await _http.PostAsJsonAsync("api/updates/check", device, OtaJsonContext.Default.UpdateCheckRequest, token).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    return null;
                }

                ThrowIfServerError(response);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new EspException(EspError.InvalidResponse, $"update check: the server answered {(int)response.StatusCode} {response.ReasonPhrase}");
                }

                UpdateOffer? offer;
                try
                {
                    offer = await response.Content.ReadFromJsonAsync(OtaJsonContext.Default.UpdateOffer, token).ConfigureAwait(false);
                }
                catch (JsonException e)
                {
                    throw new EspException(EspError.InvalidResponse, $"update check: the offer is not valid JSON: {e.Message}", e);
                }

                if (offer is null)
                {
                    throw new EspException(EspError.InvalidResponse, "update check: empty offer");
                }

                ResolveOffer(offer);
                return offer;
            },
            (_, _) => { },
            cancellationToken);
    }

    /// <summary>Sends one step of the cycle to the server; false when it could not be delivered (reports never fail an update).</summary>
    public async Task<bool> ReportAsync(string deviceId, DeviceReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Options.RequestTimeout);
            using var response = await _http.PostAsJsonAsync($"api/devices/{Uri.EscapeDataString(deviceId)}/reports", report, OtaJsonContext.Default.DeviceReport, timeout.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

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
    public async Task<HttpOtaResult> InstallAsync(
        EspDevice device,
        Chip chip,
        UpdateOffer offer,
        IOtaCheckpointStore? checkpoints = null,
        IProgress<HttpOtaProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(chip);
        ArgumentNullException.ThrowIfNull(offer);
        var url = ResolveOffer(offer);
        var ota = device.Ota;
        var partition = ota.GetNextUpdatePartition()
            ?? throw new EspException(EspError.NotFound, "no OTA partition to update");
        if (offer.Size > partition.Size)
        {
            throw new EspException(EspError.InvalidSize, $"the image ({offer.Size} bytes) does not fit {partition.Label} (0x{partition.Size:x} bytes)");
        }

        var etag = new EntityTagHeaderValue($"\"{offer.Sha256}\"");
        using var state = new DownloadState(offer.Size, progress);

        AppDescription? app = null;
        long? resumedFrom = null;
        if (checkpoints?.Load() is { } checkpoint
            && checkpoint.Sha256 == offer.Sha256
            && checkpoint.PartitionLabel == partition.Label
            && checkpoint.BytesWritten >= HttpOtaClientOptions.HeaderSize
            && checkpoint.BytesWritten <= offer.Size)
        {
            // esp_https_ota only resumes with at least IMAGE_HEADER_SIZE bytes on flash: the header
            // was checked before they were written. Without an esp_app_desc_t there (the slot was
            // erased or overwritten since) the checkpoint is stale and the download starts again.
            app = PartitionAppDescription.TryRead(device.Flash, partition);
            if (app is not null)
            {
                resumedFrom = checkpoint.BytesWritten;
            }
        }

        byte[]? header = null;
        if (resumedFrom is null)
        {
            checkpoints?.Clear();
            header = new byte[(int)Math.Min(HttpOtaClientOptions.HeaderSize, offer.Size)];
            await FetchAsync(url, etag, 0, header, state, cancellationToken).ConfigureAwait(false);
            try
            {
                app = Precheck(device, chip, offer, header);
            }
            catch
            {
                state.DisposeWholeBody();
                throw;
            }
        }

        try
        {
            // Only now is anything erased: esp_ota_begin with sequential writes erases sector by sector.
            using var update = resumedFrom is { } from
                ? ota.Resume(partition, OtaImageSize.SequentialWrites, from)
                : ota.Begin(partition, OtaImageSize.SequentialWrites);
            if (resumedFrom is { } written)
            {
                // Bytes written before the reboot are hashed from flash once; the rest as they are written.
                AppendFromFlash(state.Sha256, device, partition, written);
            }
            if (header is not null)
            {
                update.Write(header);
                state.Sha256.AppendData(header);
                Checkpoint(checkpoints, offer, partition, update);
                state.Report(update.BytesWritten);
            }

            var buffer = new byte[Options.WriteSize];
            while (update.BytesWritten < offer.Size)
            {
                long start = update.BytesWritten;
                long end = Math.Min(start + Options.RequestSize, offer.Size);
                await WithRetriesAsync(
                    async token =>
                    {
                        if (state.TakeWholeBody() is { } whole)
                        {
                            // The server ignored Range and sent the whole file for the header request:
                            // the rest of that body is the rest of the image.
                            using (whole.Response)
                            await using (whole.Body)
                            {
                                await CopyAsync(whole.Body, update, offer.Size, buffer, state, checkpoints, offer, partition, token).ConfigureAwait(false);
                            }

                            return true;
                        }

                        await StreamRangeAsync(url, etag, update, end, buffer, state, checkpoints, offer, partition, token).ConfigureAwait(false);
                        return true;
                    },
                    (_, _) => state.Retries++,
                    cancellationToken,
                    state.TakeProgress).ConfigureAwait(false);
            }

            try
            {
                update.End();
            }
            catch (EspException)
            {
                // What is on flash will never verify: resuming it would fail the same way forever.
                checkpoints?.Clear();
                throw;
            }
        }
        finally
        {
            state.DisposeWholeBody();
        }

        // Every byte went into the hash exactly once, as it was written (or, for a resumed download, read
        // back from flash once): esp_ota_end has already read the whole image back to verify it.
        var onFlash = Convert.ToHexStringLower(state.Sha256.GetHashAndReset());
        if (!string.Equals(onFlash, offer.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            checkpoints?.Clear();
            throw new HttpOtaRefusedException(
                HttpOtaRefusal.Sha256Mismatch,
                EspError.OtaValidateFailed,
                beforeErase: false,
                $"{partition.Label} holds an image with SHA-256 {onFlash}, the server announced {offer.Sha256}; the boot partition is unchanged");
        }

        ota.SetBootPartition(partition);
        checkpoints?.Clear();
        return new HttpOtaResult(partition, app!, state.Downloaded, state.Requests, state.Retries, resumedFrom);
    }

    /// <summary>
    /// The checks made on the first bytes of the image, before anything is erased. Returns the image's
    /// <c>esp_app_desc_t</c>.
    /// </summary>
    /// <exception cref="HttpOtaRefusedException">The image is wrong for this device.</exception>
    public static AppDescription Precheck(EspDevice device, Chip chip, UpdateOffer offer, ReadOnlySpan<byte> header)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(chip);
        ArgumentNullException.ThrowIfNull(offer);
        const int descriptionEnd = AppDescription.ImageOffset + AppDescription.Size;
        if (header.Length < descriptionEnd || header[0] != ImageHeader.ImageMagic)
        {
            throw Refuse(HttpOtaRefusal.NotAnAppImage, EspError.OtaValidateFailed, $"the image starts with 0x{(header.Length > 0 ? header[0] : 0):x2} and has {header.Length} header bytes; an app image starts with 0x{ImageHeader.ImageMagic:x2} and needs {descriptionEnd}");
        }

        var extended = ExtendedImageHeader.Read(header[ImageHeader.Size..]);
        if (chip.ImageChipId is not { } expectedId || extended.ChipId != expectedId)
        {
            throw Refuse(HttpOtaRefusal.WrongChip, EspError.InvalidVersion, $"image chip id 0x{extended.ChipId:x4}, this device is {chip.Name} (0x{chip.ImageChipId ?? 0xFFFF:x4})");
        }

        var app = AppDescription.Read(header[AppDescription.ImageOffset..]);
        if (!app.HasValidMagic)
        {
            throw Refuse(HttpOtaRefusal.NotAnAppImage, EspError.OtaValidateFailed, $"no esp_app_desc_t at 0x{AppDescription.ImageOffset:x}: magic 0x{app.Magic:x8}, expected 0x{AppDescription.MagicWord:x8}");
        }

        if (app.ProjectName != offer.Project || app.Version != offer.Version || app.SecureVersion != offer.SecureVersion)
        {
            throw Refuse(HttpOtaRefusal.AnnouncementMismatch, EspError.InvalidResponse, $"the image is {app.ProjectName} {app.Version} (secure_version {app.SecureVersion}), the server announced {offer.Project} {offer.Version} (secure_version {offer.SecureVersion})");
        }

        var running = device.LastBoot?.App;
        if (running is { HasValidMagic: true } && running.ProjectName != app.ProjectName)
        {
            throw Refuse(HttpOtaRefusal.WrongProject, EspError.InvalidVersion, $"the image is for project '{app.ProjectName}', this device runs '{running.ProjectName}'");
        }

        uint efuse = device.Efuse.Version;
        if (app.SecureVersion < efuse || (running is { HasValidMagic: true } && app.SecureVersion < running.SecureVersion))
        {
            throw Refuse(HttpOtaRefusal.SecureVersionTooLow, EspError.OtaSmallSecVer, $"image secure_version {app.SecureVersion}, eFuse counter {efuse}, running app {running?.SecureVersion}");
        }

        if (running is { HasValidMagic: true } && running.Version == app.Version)
        {
            throw Refuse(HttpOtaRefusal.SameVersion, EspError.InvalidVersion, $"version {app.Version} already runs");
        }

        var ota = device.Ota;
        if (ota.GetLastInvalidPartition() is { } invalid && TryDescribe(ota, invalid)?.Version == app.Version)
        {
            throw Refuse(HttpOtaRefusal.PreviouslyRolledBack, EspError.InvalidVersion, $"version {app.Version} was rolled back from {invalid.Label}");
        }

        return app;

        static HttpOtaRefusedException Refuse(HttpOtaRefusal refusal, EspError code, string message) => new(refusal, code, beforeErase: true, message);
    }

    private static AppDescription? TryDescribe(OtaOperations ota, Partition partition)
    {
        try
        {
            return ota.GetPartitionDescription(partition);
        }
        catch (EspException)
        {
            return null;
        }
    }

    /// <summary>
    /// Checks what the server offered before anything is fetched or erased, and resolves its URL: a
    /// hostile or broken server must not make the device download from elsewhere or crash it.
    /// </summary>
    private Uri ResolveOffer(UpdateOffer offer)
    {
        if (offer.Url is null || offer.Sha256 is null || offer.Project is null || offer.Version is null || offer.Chip is null)
        {
            throw new EspException(EspError.InvalidResponse, "the offer lacks a field (url, sha256, project, version and chip are required)");
        }

        if (offer.Size <= 0)
        {
            throw new EspException(EspError.InvalidResponse, $"the offer announces {offer.Size} bytes; expected a positive size");
        }

        if (offer.Sha256.Length != 64 || !offer.Sha256.All(char.IsAsciiHexDigit))
        {
            throw new EspException(EspError.InvalidResponse, $"the offer's sha256 '{offer.Sha256}' is not 64 hex digits");
        }

        var server = _http.BaseAddress!;
        if (!Uri.TryCreate(server, offer.Url, out var url)
            || Uri.Compare(url, server, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
        {
            throw new EspException(EspError.InvalidResponse, $"the offer's url '{offer.Url}' is not on the update server {server.GetLeftPart(UriPartial.Authority)}");
        }

        return url;
    }

    private static void AppendFromFlash(IncrementalHash hash, EspDevice device, Partition partition, long length)
    {
        var buffer = new byte[64 * 1024];
        for (long done = 0; done < length;)
        {
            int n = (int)Math.Min(buffer.Length, length - done);
            device.Flash.Read(partition.Offset + done, buffer.AsSpan(0, n));
            hash.AppendData(buffer, 0, n);
            done += n;
        }
    }

    private static void Checkpoint(IOtaCheckpointStore? checkpoints, UpdateOffer offer, Partition partition, OtaUpdate update) =>
        checkpoints?.Save(new OtaCheckpoint(offer.Sha256, partition.Label, update.BytesWritten));

    /// <summary>
    /// Reads exactly <paramref name="destination"/>.Length bytes at <paramref name="offset"/>, with
    /// retries. When the server answers a range from 0 with the whole file, the rest of its body is
    /// kept in <paramref name="state"/> for the download.
    /// </summary>
    private Task FetchAsync(Uri url, EntityTagHeaderValue etag, long offset, byte[] destination, DownloadState state, CancellationToken cancellationToken) =>
        WithRetriesAsync(
            async token =>
            {
                var response = await SendRangeAsync(url, etag, offset, offset + destination.Length, state, token).ConfigureAwait(false);
                Stream? body = null;
                try
                {
                    body = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
                    await body.ReadExactlyAsync(destination, token).ConfigureAwait(false);
                    state.Downloaded += destination.Length;
                    if (response.StatusCode == HttpStatusCode.OK && offset + destination.Length < state.Total)
                    {
                        state.KeepWholeBody(response, body);
                        return true;
                    }
                }
                catch
                {
                    if (body is not null)
                    {
                        await body.DisposeAsync().ConfigureAwait(false);
                    }

                    response.Dispose();
                    throw;
                }

                await body.DisposeAsync().ConfigureAwait(false);
                response.Dispose();
                return true;
            },
            (_, _) => state.Retries++,
            cancellationToken);

    private async Task StreamRangeAsync(
        Uri url,
        EntityTagHeaderValue etag,
        OtaUpdate update,
        long end,
        byte[] buffer,
        DownloadState state,
        IOtaCheckpointStore? checkpoints,
        UpdateOffer offer,
        Partition partition,
        CancellationToken cancellationToken)
    {
        using var response = await SendRangeAsync(url, etag, update.BytesWritten, end, state, cancellationToken).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await CopyAsync(body, update, end, buffer, state, checkpoints, offer, partition, cancellationToken).ConfigureAwait(false);
    }

    private static async Task CopyAsync(
        Stream body,
        OtaUpdate update,
        long end,
        byte[] buffer,
        DownloadState state,
        IOtaCheckpointStore? checkpoints,
        UpdateOffer offer,
        Partition partition,
        CancellationToken cancellationToken)
    {
        while (update.BytesWritten < end)
        {
            int want = (int)Math.Min(buffer.Length, end - update.BytesWritten);
            int got = await body.ReadAtLeastAsync(buffer.AsMemory(0, want), want, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (got > 0)
            {
                // Every byte received is written exactly once; a retry asks for the rest from BytesWritten.
                update.Write(buffer.AsSpan(0, got));
                state.Sha256.AppendData(buffer.AsSpan(0, got));
                state.Downloaded += got;
                state.Progressed = true;
                Checkpoint(checkpoints, offer, partition, update);
                state.Report(update.BytesWritten);
            }

            if (got < want)
            {
                throw new IOException($"the connection closed at byte {update.BytesWritten} of the range ending at {end}");
            }
        }
    }

    private async Task<HttpResponseMessage> SendRangeAsync(Uri url, EntityTagHeaderValue etag, long start, long end, DownloadState state, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Range = new RangeHeaderValue(start, end - 1);
        request.Headers.IfRange = new RangeConditionHeaderValue(etag);
        state.Requests++;
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfServerError(response);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                // A 200 to a range from 0 is the whole file, which is what was asked for from its
                // start: a server without Range support (esp_https_ota accepts it the same way). It
                // still has to be this image, when the server says which one it is.
                bool sameImage = response.Headers.ETag is not { } sent || sent.Tag == etag.Tag;
                bool sameSize = response.Content.Headers.ContentLength is not { } contentLength || contentLength == state.Total;
                if (start == 0 && sameImage && sameSize)
                {
                    return response;
                }

                // If-Range answered with the whole file: the ETag no longer matches, the image changed.
                throw new HttpOtaRefusedException(
                    HttpOtaRefusal.ImageChanged,
                    EspError.InvalidResponse,
                    beforeErase: start == 0,
                    $"asked for bytes {start}-{end - 1} if still {etag}, the server sent the whole file (ETag {response.Headers.ETag})");
            }

            if (response.StatusCode != HttpStatusCode.PartialContent
                || response.Content.Headers.ContentRange is not { From: { } from, To: { } to, Length: { } length }
                || from != start || to != end - 1 || length != state.Total)
            {
                throw new EspException(
                    EspError.InvalidResponse,
                    $"asked for bytes {start}-{end - 1}/{state.Total}, got {(int)response.StatusCode} with Content-Range '{response.Content.Headers.ContentRange}'");
            }

            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private static void ThrowIfServerError(HttpResponseMessage response)
    {
        if ((int)response.StatusCode >= 500)
        {
            throw new HttpRequestException($"the server answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }

        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable || response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new EspException(EspError.HttpFetchHeader, $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {response.ReasonPhrase}");
        }
    }

    /// <summary>Runs <paramref name="attempt"/> with a timeout per try; transport failures are retried up to <see cref="HttpOtaClientOptions.MaxRetries"/> times in a row.</summary>
    private async Task<T> WithRetriesAsync<T>(Func<CancellationToken, Task<T>> attempt, Action<int, Exception> onRetry, CancellationToken cancellationToken, Func<bool>? progressed = null)
    {
        int failures = 0;
        while (true)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Options.RequestTimeout);
            try
            {
                return await attempt(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                failures = progressed?.Invoke() == true ? 1 : failures + 1;
                if (failures > Options.MaxRetries)
                {
                    var code = e is OperationCanceledException ? EspError.Timeout
                        : e is HttpRequestException { StatusCode: null } ? EspError.HttpConnect
                        : EspError.HttpConnectionClosed;
                    throw new EspException(code, $"giving up after {failures} failed attempts: {e.Message}", e);
                }

                onRetry(failures, e);
                await Task.Delay(Options.RetryDelay * failures, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static bool IsTransient(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException or IOException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private sealed class DownloadState(long total, IProgress<HttpOtaProgress>? progress) : IDisposable
    {
        public long Total { get; } = total;

        public long Downloaded { get; set; }

        public int Requests { get; set; }

        public int Retries { get; set; }

        public bool Progressed { get; set; }

        /// <summary>Whether bytes arrived since the last call (a retry that made progress does not count against the limit).</summary>
        public bool TakeProgress()
        {
            bool progressed = Progressed;
            Progressed = false;
            return progressed;
        }

        public void Report(long written) => progress?.Report(new HttpOtaProgress(written, Total, Retries));

        private (HttpResponseMessage Response, Stream Body)? _wholeBody;

        /// <summary>Keeps the open body of a 200 answer (the whole file) for the download to continue from.</summary>
        public void KeepWholeBody(HttpResponseMessage response, Stream body) => _wholeBody = (response, body);

        public (HttpResponseMessage Response, Stream Body)? TakeWholeBody()
        {
            var whole = _wholeBody;
            _wholeBody = null;
            return whole;
        }

        /// <summary>SHA-256 of the image bytes in the order they reach the partition.</summary>
        public IncrementalHash Sha256 { get; } = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public void Dispose()
        {
            DisposeWholeBody();
            Sha256.Dispose();
        }

        public void DisposeWholeBody()
        {
            if (TakeWholeBody() is { } whole)
            {
                whole.Body.Dispose();
                whole.Response.Dispose();
            }
        }
    }
}

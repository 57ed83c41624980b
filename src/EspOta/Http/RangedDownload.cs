using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using EspOta.Boot;
using EspOta.Device;
using EspOta.Images;
using EspOta.Partitions;
using EspOta.Payloads;
using EspOta.Updates;

namespace EspOta.Http;

/// <summary>
/// One install of one offer, as <c>esp_https_ota</c> does it: fetch the first bytes, pass the
/// <see cref="ImageAdmission"/> check before anything is erased, then stream the rest of the body in
/// ranged requests through an <see cref="IOtaPayloadStage"/> into an <see cref="OtaUpdate"/>,
/// writing and checkpointing what arrives a flash page at a time (a slow link loses at most the bytes
/// of an unfinished page), retrying dropped connections from the last body byte received,
/// and finally verify (<see cref="OtaUpdate.End"/>), check the announced SHA-256 and set the boot partition.
/// </summary>
/// <remarks>
/// Single-use: create one per install. A server that ignores <c>Range</c> and answers the first
/// request with the whole file (200) is read to its end as the body of the whole download, which is
/// what <c>esp_https_ota</c> accepts too. <c>If-Range</c> with the announced SHA-256 as ETag detects an
/// image that changed between requests.
/// </remarks>
public sealed class RangedDownload
{
    private readonly UpdateServerClient _server;
    private readonly EspDevice _device;
    private readonly Chip _chip;
    private readonly UpdateOffer _offer;
    private readonly IOtaCheckpointStore? _checkpoints;
    private readonly IProgress<HttpOtaProgress>? _progress;
    private readonly IOtaPayloadStage _stage;
    private readonly HttpRetry.RetryCounter _retries;
    private byte[] _buffer = [];
    private int _held;
    private bool _started;
    private bool _progressedSinceFailure;
    private Partition? _partition;
    private Body? _body;

    /// <summary>Prepares the install of <paramref name="offer"/> on <paramref name="device"/>'s next update partition.</summary>
    /// <param name="server">The update server (its options set request size, retries and timeouts).</param>
    /// <param name="device">A device with a running app.</param>
    /// <param name="chip">The device's chip (<c>CONFIG_IDF_FIRMWARE_CHIP_ID</c>).</param>
    /// <param name="offer">What the server offered.</param>
    /// <param name="checkpoints">Where progress is kept across reboots; null disables resuming after a reboot.</param>
    /// <param name="progress">Receives progress after every write.</param>
    /// <param name="stage">What turns the body into the image; null = <see cref="PlainPayloadStage"/>.</param>
    public RangedDownload(
        UpdateServerClient server,
        EspDevice device,
        Chip chip,
        UpdateOffer offer,
        IOtaCheckpointStore? checkpoints = null,
        IProgress<HttpOtaProgress>? progress = null,
        IOtaPayloadStage? stage = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(chip);
        ArgumentNullException.ThrowIfNull(offer);
        _server = server;
        _device = device;
        _chip = chip;
        _offer = offer;
        _checkpoints = checkpoints;
        _progress = progress;
        _stage = stage ?? new PlainPayloadStage();
        _retries = new HttpRetry.RetryCounter(server.Options);
    }

    /// <summary>Body bytes received in this run.</summary>
    public long BytesDownloaded { get; private set; }

    /// <summary>HTTP requests made for the body.</summary>
    public int Requests { get; private set; }

    /// <summary>Requests that failed and were retried.</summary>
    public int Retries => _retries.Retries;

    /// <summary>The image offset a resume started at, or null for a fresh download.</summary>
    public long? ResumedFrom { get; private set; }

    private HttpOtaClientOptions Options => _server.Options;

    /// <summary>Runs the install; the caller reboots afterwards.</summary>
    /// <exception cref="HttpOtaRefusedException">The image is wrong for this device (see <see cref="HttpOtaRefusedException.BeforeErase"/>).</exception>
    /// <exception cref="EspException">The OTA operations failed (e.g. <see cref="EspError.OtaValidateFailed"/>), or the server could not be reached after the retries.</exception>
    /// <exception cref="InvalidOperationException">The download already ran.</exception>
    public async Task<HttpOtaResult> RunAsync(CancellationToken cancellationToken = default)
    {
        if (_started)
        {
            throw new InvalidOperationException("a RangedDownload runs once; create another for another install");
        }

        _started = true;
        var url = _server.ResolveOffer(_offer);
        var ota = _device.Ota;
        var partition = ota.GetNextUpdatePartition()
            ?? throw new EspException(EspError.NotFound, "no OTA partition to update");
        // An encrypted offer announces the plain image's size too: that is what goes to flash.
        long imageSize = _offer.ImageSize ?? _offer.Size;
        if (imageSize > partition.Size)
        {
            throw new EspException(EspError.InvalidSize, $"the image ({imageSize} bytes) does not fit {partition.Label} (0x{partition.Size:x} bytes)");
        }

        _partition = partition;

        var etag = new EntityTagHeaderValue($"\"{_offer.Sha256}\"");
        var app = TryResume(partition);
        OtaUpdate? update = null;
        try
        {
            if (ResumedFrom is { } from)
            {
                update = ota.Resume(partition, OtaImageSize.SequentialWrites, from);
                _stage.Attach(update);
            }

            _buffer = new byte[Options.WriteSize];
            while (_stage.BodyOffset < _offer.Size)
            {
                if (update is null && _stage.ImageHead.Length >= ImageAdmission.HeaderSize)
                {
                    (app, update) = Admit(ota, partition);
                    continue;
                }

                try
                {
                    await ReadAsync(url, etag, admitted: update is not null, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (HttpRetry.IsTransient(e, cancellationToken))
                {
                    // What arrived before the cut is intact (TCP): it is written and checkpointed, and
                    // the retry asks for the rest. A retry that made progress does not count against the limit.
                    Flush(admitted: update is not null);
                    CloseBody();
                    bool progressed = _progressedSinceFailure;
                    _progressedSinceFailure = false;
                    await _retries.FailedAsync(e, progressed, cancellationToken).ConfigureAwait(false);
                }
            }

            CloseBody();
            if (update is null)
            {
                // The whole body is shorter than the header the check wants: it decides on what there is.
                (app, update) = Admit(ota, partition);
            }

            _stage.Complete();
            AppImageValidation verification;
            try
            {
                verification = update.End();
            }
            catch (EspException)
            {
                // What is on flash will never verify: resuming it would fail the same way forever.
                _checkpoints?.Clear();
                throw;
            }

            // The offer's sha256 is of the served bytes: the image itself when the stage passes the
            // body through; a transforming stage authenticates the body itself (GCM tag, patch target
            // hash) and the image on flash is checked against image_sha256 when the server announced it.
            if (_stage.ImageIsBody)
            {
                CheckAnnouncedDigest(partition, verification, _offer.Sha256, _offer.Size);
            }
            else if (_offer.ImageSha256 is { } imageSha256)
            {
                CheckAnnouncedDigest(partition, verification, imageSha256, _stage.ImageLength);
            }
        }
        finally
        {
            CloseBody();
            update?.Dispose();
        }

        ota.SetBootPartition(partition);
        _checkpoints?.Clear();
        return new HttpOtaResult(partition, app!, BytesDownloaded, Requests, Retries, ResumedFrom);
    }

    /// <summary>
    /// esp_https_ota only resumes with at least IMAGE_HEADER_SIZE bytes on flash: the header was checked
    /// before they were written. Without an esp_app_desc_t there (the slot was erased or overwritten
    /// since) the checkpoint is stale and the download starts again.
    /// </summary>
    private AppDescription? TryResume(Partition partition)
    {
        if (_checkpoints?.Load() is { } checkpoint
            && _stage.CanResume
            && checkpoint.Sha256 == _offer.Sha256
            && checkpoint.PartitionLabel == partition.Label
            && checkpoint.BytesWritten >= ImageAdmission.HeaderSize
            && (checkpoint.BodyOffset ?? checkpoint.BytesWritten) <= _offer.Size
            && PartitionAppDescription.TryRead(_device.Flash, partition) is { } app)
        {
            try
            {
                _stage.Restore(new PayloadCheckpoint(checkpoint.BodyOffset ?? checkpoint.BytesWritten, checkpoint.BytesWritten, checkpoint.StageState));
                ResumedFrom = checkpoint.BytesWritten;
                return app;
            }
            catch (EspException)
            {
                // A state the stage cannot continue from: it stays untouched and the download starts again.
            }
        }

        _checkpoints?.Clear();
        return null;
    }

    /// <summary>The admission check on the held head of the image; only then is anything erased (esp_ota_begin with sequential writes erases sector by sector).</summary>
    private (AppDescription App, OtaUpdate Update) Admit(OtaOperations ota, Partition partition)
    {
        AppDescription app;
        try
        {
            app = ImageAdmission.Check(_device, _chip, _offer, _stage.ImageHead.Span);
        }
        catch
        {
            CloseBody();
            throw;
        }

        var update = ota.Begin(partition, OtaImageSize.SequentialWrites);
        try
        {
            _stage.Attach(update);
        }
        catch
        {
            update.Dispose();
            throw;
        }

        SaveCheckpoint();
        Report();
        return (app, update);
    }

    /// <summary>
    /// Reads what has arrived of the body (opening a ranged request when none is open) and pushes it
    /// into the stage once it makes a flash page, fills the buffer or ends the range. Before the
    /// admission check every byte is pushed at once (only the header is asked for).
    /// </summary>
    private async Task ReadAsync(Uri url, EntityTagHeaderValue etag, bool admitted, CancellationToken cancellationToken)
    {
        long position = _stage.BodyOffset + _held;
        if (_body is null)
        {
            // Before the admission check only the header is asked for (esp_https_ota reads
            // IMAGE_HEADER_SIZE first); afterwards, max_http_request_size at a time.
            long want = admitted ? Options.RequestSize : ImageAdmission.HeaderSize - _stage.ImageHead.Length;
            _body = await OpenAsync(url, etag, position, Math.Min(position + want, _offer.Size), cancellationToken).ConfigureAwait(false);
        }

        var body = _body;
        int room = (int)Math.Min(_buffer.Length - _held, body.End - position);
        if (!admitted)
        {
            room = Math.Min(room, ImageAdmission.HeaderSize - _stage.ImageHead.Length);
        }

        // An idle timeout (esp_http_client's timeout_ms per read): a slow body that keeps arriving
        // never times out, a silent one does after RequestTimeout.
        body.Timeout.CancelAfter(Options.RequestTimeout);
        int got = await body.Stream.ReadAsync(_buffer.AsMemory(_held, room), body.Timeout.Token).ConfigureAwait(false);
        _held += got;
        BytesDownloaded += got;
        _progressedSinceFailure |= got > 0;
        bool rangeDone = position + got >= body.End;
        if (!admitted || rangeDone || _held >= HttpOtaClientOptions.PageSize || _held == _buffer.Length)
        {
            Flush(admitted);
        }

        if (got == 0)
        {
            throw new IOException($"the connection closed at byte {position} of the range ending at {body.End}");
        }

        if (rangeDone)
        {
            CloseBody();
        }
    }

    /// <summary>Pushes the held bytes exactly once (a retry asks for the rest from <see cref="IOtaPayloadStage.BodyOffset"/>) and, after admission, checkpoints them.</summary>
    private void Flush(bool admitted)
    {
        if (_held == 0)
        {
            return;
        }

        // Taken before the push: if the flash write fails part-way, the stage's BodyOffset says what
        // it consumed and a retry asks for the rest; the held bytes must not be pushed a second time.
        int held = _held;
        _held = 0;
        _stage.Push(_buffer.AsSpan(0, held));
        if (admitted)
        {
            SaveCheckpoint();
            Report();
        }
    }

    private void SaveCheckpoint()
    {
        if (_checkpoints is null)
        {
            return;
        }

        var state = _stage.Checkpoint();
        _checkpoints.Save(new OtaCheckpoint(_offer.Sha256, _partition!.Label, state.ImageLength)
        {
            BodyOffset = state.BodyOffset == state.ImageLength ? null : state.BodyOffset,
            StageState = state.State,
        });
    }

    private void Report() => _progress?.Report(new HttpOtaProgress(_stage.BodyOffset, _offer.Size, Retries));

    private void CheckAnnouncedDigest(Partition partition, AppImageValidation verification, string announced, long length)
    {
        // esp_ota_end has already hashed the image it verified; only when that hash does not cover
        // exactly the announced bytes (another validator, trailing bytes) is the partition read back once.
        string onFlash = verification.Image is { Sha256.Length: 32 } image && image.ImageLength == length
            ? Convert.ToHexStringLower(image.Sha256.Span)
            : HashFromFlash(partition, length);
        if (!string.Equals(onFlash, announced, StringComparison.OrdinalIgnoreCase))
        {
            _checkpoints?.Clear();
            throw new HttpOtaRefusedException(
                HttpOtaRefusal.Sha256Mismatch,
                EspError.OtaValidateFailed,
                beforeErase: false,
                $"{partition.Label} holds an image with SHA-256 {onFlash}, the server announced {announced}; the boot partition is unchanged");
        }
    }

    private string HashFromFlash(Partition partition, long length)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        for (long done = 0; done < length;)
        {
            int n = (int)Math.Min(buffer.Length, length - done);
            _device.Flash.Read(partition.Offset + done, buffer.AsSpan(0, n));
            hash.AppendData(buffer, 0, n);
            done += n;
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private async Task<Body> OpenAsync(Uri url, EntityTagHeaderValue etag, long start, long end, CancellationToken cancellationToken)
    {
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.RequestTimeout);
        HttpResponseMessage? response = null;
        try
        {
            Requests++;
            response = await _server.SendAsync(
                location =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Get, location);
                    request.Headers.Range = new RangeHeaderValue(start, end - 1);
                    request.Headers.IfRange = new RangeConditionHeaderValue(etag);
                    return request;
                },
                url,
                HttpCompletionOption.ResponseHeadersRead,
                timeout.Token).ConfigureAwait(false);
            end = CheckRangeAnswer(response, etag, start, end);
            var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            return new Body(response, stream, end, timeout);
        }
        catch
        {
            response?.Dispose();
            timeout.Dispose();
            throw;
        }
    }

    /// <summary>Checks the answer to a ranged request; returns where its body ends.</summary>
    private long CheckRangeAnswer(HttpResponseMessage response, EntityTagHeaderValue etag, long start, long end)
    {
        HttpRetry.ThrowIfServerError(response);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            // A 200 to a range from 0 is the whole file, which is what was asked for from its start: a
            // server without Range support (esp_https_ota accepts it the same way). It still has to be
            // this image, when the server says which one it is.
            bool sameImage = response.Headers.ETag is not { } sent || sent.Tag == etag.Tag;
            bool sameSize = response.Content.Headers.ContentLength is not { } contentLength || contentLength == _offer.Size;
            if (start == 0 && sameImage && sameSize)
            {
                return _offer.Size;
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
            || from != start || to != end - 1 || length != _offer.Size)
        {
            throw new EspException(
                EspError.InvalidResponse,
                $"asked for bytes {start}-{end - 1}/{_offer.Size}, got {(int)response.StatusCode} with Content-Range '{response.Content.Headers.ContentRange}'");
        }

        return end;
    }

    private void CloseBody()
    {
        _body?.Dispose();
        _body = null;
    }

    /// <summary>An open response body: the bytes up to <see cref="End"/> (exclusive) follow in <see cref="Stream"/>.</summary>
    private sealed class Body(HttpResponseMessage response, Stream stream, long end, CancellationTokenSource timeout) : IDisposable
    {
        public Stream Stream { get; } = stream;

        public long End { get; } = end;

        public CancellationTokenSource Timeout { get; } = timeout;

        public void Dispose()
        {
            Stream.Dispose();
            response.Dispose();
            Timeout.Dispose();
        }
    }
}

using System.Security.Cryptography;
using EspOta.Server.Encryption;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EspOta.Server.Firmware;

/// <summary>
/// Accepts uploads: stream to a temp file while hashing (through <see cref="UploadStaging"/>, which
/// encrypts the image on the way for a project with an encryption key), inspect, then move under the
/// SHA-256 name of the stored bytes and record.
/// </summary>
internal sealed class FirmwareService
{
    private readonly IFirmwareStore _store;
    private readonly ImageFiles _files;
    private readonly EspOtaServerOptions _options;
    private readonly TimeProvider _time;
    private readonly string _tempDirectory;
    private readonly Signing.SigningService _signing;

    private readonly UploadEncryption _encryption;
    private readonly IEncryptionStore _encrypted;

    public FirmwareService(IFirmwareStore store, ImageFiles files, IOptions<EspOtaServerOptions> options, TimeProvider time, UploadEncryption encryption, IEncryptionStore encrypted, Signing.SigningService signing)
    {
        _store = store;
        _encryption = encryption;
        _encrypted = encrypted;
        _signing = signing;
        _files = files;
        _options = options.Value;
        _time = time;
        _tempDirectory = Path.Combine(_options.DataDirectory, "tmp");
        Directory.CreateDirectory(_tempDirectory);
    }

    /// <summary>Uploads in progress (<c>tmp/</c>).</summary>
    public string TempDirectory => _tempDirectory;

    /// <summary>
    /// Adopts a file found in <c>images/</c> without a row (a crash between the move and the insert):
    /// only when its bytes hash to its name and it passes the upload's inspection. Returns false when
    /// it did not qualify (the caller removes it).
    /// </summary>
    public async Task<bool> TryAdoptAsync(string sha256, string path, CancellationToken cancellationToken)
    {
        long size;
        string actual;
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
        {
            size = file.Length;
            actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
        }

        if (actual != sha256 || size > _options.MaxImageSize)
        {
            return false;
        }

        ImageFacts facts;
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
        {
            facts = ImageInspection.Inspect(file, _options.MaxImageSize, readSignatures: true);
        }

        if (!facts.IsAcceptable || facts.App is not { } app || facts.Chip is not { } chip)
        {
            return false;
        }

        // An orphan is held to the project's signing policy like any upload.
        var signatures = await _signing.JudgeAsync(app.ProjectName, facts.Signatures, cancellationToken).ConfigureAwait(false);
        if (!signatures.IsAccepted)
        {
            return false;
        }

        await _signing.Store.RecordSignersAsync(sha256, signatures.Signers, cancellationToken).ConfigureAwait(false);
        var record = new FirmwareRecord(sha256, app.ProjectName, app.Version, app.SecureVersion, chip.Name, size, app.IdfVersion, _time.GetUtcNow(), 0);
        var existing = await _store.TryAddAsync(record, cancellationToken).ConfigureAwait(false);

        // Another image holds its (project, version, chip): the orphan lost that race and goes.
        return existing is null || existing.Sha256 == sha256;
    }

    /// <summary>Test hook: runs after the upload is moved into <c>images/</c> and before its row is written (a crash there leaves an orphan file).</summary>
    internal Action? AfterMoveForTests { get; set; }

    public async Task<(FirmwareRecord? Record, ProblemHttpResult? Problem)> AddAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        long? contentLength = request.ContentLength;
        long limit = _options.MaxImageSize;
        if (contentLength > limit)
        {
            return (null, Problems.TooLarge(limit));
        }

        string temp = Path.Combine(_tempDirectory, Guid.NewGuid().ToString("N") + ".upload");
        var staging = new UploadStaging(_encryption, temp, limit);
        try
        {
            long size = 0;
            using (var reader = new RequestBodyReader(request, _options.RequestBodyIdleTimeout, cancellationToken))
            {
                var buffer = new byte[1 << 16];
                while (true)
                {
                    int n;
                    try
                    {
                        n = await reader.ReadAsync(buffer).ConfigureAwait(false);
                    }
                    catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
                    {
                        return (null, Problems.TooLarge(limit));
                    }

                    if (n == 0)
                    {
                        break;
                    }

                    size += n;
                    if (size > limit)
                    {
                        return (null, Problems.TooLarge(limit));
                    }

                    await staging.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                }
            }

            if (size == 0)
            {
                return (null, Problems.Of(StatusCodes.Status400BadRequest, ProblemTypes.EmptyBody, "Empty body", "the body must be an app image"));
            }

            var staged = await staging.CompleteAsync(cancellationToken).ConfigureAwait(false);
            var facts = staged.Facts;
            if (!facts.IsAcceptable || facts.App is not { } app || facts.Chip is not { } chip || staged.Sha256 is not { } sha256)
            {
                return (null, Problems.Of(StatusCodes.Status422UnprocessableEntity, facts.ProblemType!, TitleOf(facts.ProblemType!), facts.Detail!));
            }

            size = staged.Size;

            // The signatures were read from the plaintext on its way through, by the inspection's own pass, also
            // for an encrypted project, whose staged file (what will be stored) is ciphertext only.
            var signatures = await _signing.JudgeAsync(app.ProjectName, facts.Signatures, cancellationToken).ConfigureAwait(false);
            if (!signatures.IsAccepted)
            {
                return (null, Signing.SigningEndpoints.Refusal(signatures));
            }

            if (await _store.GetAsync(sha256, cancellationToken).ConfigureAwait(false) is { } same)
            {
                return (null, Duplicate(same));
            }

            // An encrypted image's row goes first: a firmware row never exists without it, so an
            // offer is never made for the encrypted file as if it were plain.
            if (staged.Encryption is { } encryption)
            {
                await _encrypted.AddImageAsync(encryption, cancellationToken).ConfigureAwait(false);
            }

            // Before the row: an image is offered under a policy only with its signers, so a crash
            // between the two leaves an image that is not offered, never one offered without its check.
            // The rows are keyed by SHA-256, so a losing concurrent upload of the same bytes records the same facts.
            await _signing.Store.RecordSignersAsync(sha256, signatures.Signers, cancellationToken).ConfigureAwait(false);

            string final = _files.PathOf(sha256);
            if (!File.Exists(final))
            {
                // Another upload of the same bytes may have moved its file already: keep that one.
                try
                {
                    File.Move(temp, final, overwrite: false);
                }
                catch (IOException) when (File.Exists(final))
                {
                    // Lost the race to a concurrent upload of the same bytes; its file is identical (named by its SHA-256).
                }
            }

            AfterMoveForTests?.Invoke();

            // From here the file is in place under its final name: the row must be written (or the
            // file removed) whatever happens to the request, so no cancellation.
            var record = new FirmwareRecord(sha256, app.ProjectName, app.Version, app.SecureVersion, chip.Name, size, app.IdfVersion, _time.GetUtcNow(), 0);
            FirmwareRecord? existing;
            try
            {
                existing = await _store.TryAddAsync(record, CancellationToken.None).ConfigureAwait(false);
            }
            catch
            {
                await DeleteIfUnreferencedAsync(sha256, final, staged.Encryption is not null).ConfigureAwait(false);
                throw;
            }

            if (existing is not null)
            {
                if (existing.Sha256 != sha256)
                {
                    await DeleteIfUnreferencedAsync(sha256, final, staged.Encryption is not null).ConfigureAwait(false);
                }

                return (null, Duplicate(existing));
            }

            return (await _store.GetAsync(sha256, CancellationToken.None).ConfigureAwait(false), null);
        }
        finally
        {
            await staging.DisposeAsync().ConfigureAwait(false);
            File.Delete(temp);
        }
    }

    private async Task DeleteIfUnreferencedAsync(string sha256, string final, bool encrypted)
    {
        try
        {
            if (await _store.GetAsync(sha256, CancellationToken.None).ConfigureAwait(false) is null)
            {
                File.Delete(final);
                if (encrypted)
                {
                    await _encrypted.RemoveImageAsync(sha256, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Data.Common.DbException)
        {
            // Best effort: the upload has already failed and that error is the one to report.
        }
    }

    private static ProblemHttpResult Duplicate(FirmwareRecord existing) => Problems.Of(
        StatusCodes.Status409Conflict,
        ProblemTypes.DuplicateFirmware,
        "Firmware already present",
        $"{existing.Project} {existing.Version} for {existing.Chip} is already in the repository as {existing.Sha256}");

    private static string TitleOf(string problemType) => problemType switch
    {
        ProblemTypes.UnknownChip => "Unknown chip",
        ProblemTypes.NoAppDescription => "No app description",
        ProblemTypes.EncryptedUpload => "Encrypted upload",
        _ => "Invalid image",
    };
}

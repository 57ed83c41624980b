using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EspOta.Server.Firmware;

/// <summary>Accepts uploads: stream to a temp file while hashing, inspect, then move under the SHA-256 name and record.</summary>
internal sealed class FirmwareService
{
    private readonly FirmwareStore _store;
    private readonly EspOtaServerOptions _options;
    private readonly TimeProvider _time;
    private readonly string _tempDirectory;
    private readonly Signing.SigningPolicy _signing;

    public FirmwareService(FirmwareStore store, IOptions<EspOtaServerOptions> options, TimeProvider time, Signing.SigningPolicy signing)
    {
        _store = store;
        _signing = signing;
        _options = options.Value;
        _time = time;
        _tempDirectory = Path.Combine(_options.DataDirectory, "tmp");
        Directory.CreateDirectory(_tempDirectory);

        // Uploads cut short by a crash or kill leave their partial files here; none can be in progress yet.
        foreach (string stale in Directory.EnumerateFiles(_tempDirectory))
        {
            File.Delete(stale);
        }
    }

    public FirmwareStore Store => _store;

    public async Task<(FirmwareRecord? Record, ProblemHttpResult? Problem)> AddAsync(Stream body, long? contentLength, CancellationToken cancellationToken)
    {
        long limit = _options.MaxImageSize;
        if (contentLength > limit)
        {
            return (null, Problems.TooLarge(limit));
        }

        string temp = Path.Combine(_tempDirectory, Guid.NewGuid().ToString("N") + ".upload");
        try
        {
            string sha256;
            long size = 0;
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                var buffer = new byte[1 << 16];
                while (true)
                {
                    int n;
                    try
                    {
                        n = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
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

                    hash.AppendData(buffer, 0, n);
                    await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                }

                sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            }

            if (size == 0)
            {
                return (null, Problems.Of(StatusCodes.Status400BadRequest, ProblemTypes.EmptyBody, "Empty body", "the body must be an app image"));
            }

            ImageFacts facts;
            await using (var file = new FileStream(temp, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
            {
                facts = ImageInspection.Inspect(file, limit);
            }

            if (!facts.IsAcceptable || facts.App is not { } app || facts.Chip is not { } chip)
            {
                return (null, Problems.Of(StatusCodes.Status422UnprocessableEntity, facts.ProblemType!, TitleOf(facts.ProblemType!), facts.Detail!));
            }

            var (refusal, signers) = _signing.Check(temp, app.ProjectName);
            if (refusal is not null)
            {
                return (null, refusal);
            }

            if (_store.Get(sha256) is { } same)
            {
                return (null, Duplicate(same));
            }

            string final = _store.PathOf(sha256);
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
                DeleteIfUnreferenced(sha256, final);
                throw;
            }

            if (existing is not null)
            {
                if (existing.Sha256 != sha256)
                {
                    DeleteIfUnreferenced(sha256, final);
                }

                return (null, Duplicate(existing));
            }

            await _signing.Store.RecordSignersAsync(sha256, signers, CancellationToken.None).ConfigureAwait(false);
            return (_store.Get(sha256), null);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private void DeleteIfUnreferenced(string sha256, string final)
    {
        try
        {
            if (_store.Get(sha256) is null)
            {
                File.Delete(final);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
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
        _ => "Invalid image",
    };
}

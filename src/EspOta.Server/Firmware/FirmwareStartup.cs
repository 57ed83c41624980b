using System.Text.RegularExpressions;
using EspOta.Server.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EspOta.Server.Firmware;

/// <summary>
/// At startup: removes partial uploads left in <c>tmp/</c> by a previous run, and reconciles
/// <c>images/</c> with the <c>firmware</c> table (issue 16): a file without a row — a crash between
/// moving an upload into place and writing its row — is adopted when its bytes hash to its name and
/// it passes inspection, else removed; a row without a file is reported (logged as a warning).
/// </summary>
internal sealed partial class FirmwareStartup(
    FirmwareService service, IFirmwareStore store, ImageFiles files, OtaDatabase database, IOptions<EspOtaServerOptions> options, TimeProvider time, ILogger<FirmwareStartup> logger)
    : IHostedService
{
    /// <summary>What the last reconcile found (for tests and operators' logs).</summary>
    public ReconcileSummary? LastReconcile { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // One process owns a SQLite data folder, so nothing can be in progress; with PostgreSQL the
        // folder may be shared by several servers, so only old leftovers are theirs to clean.
        TimeSpan minAge = database.Provider == StorageProvider.Sqlite ? TimeSpan.Zero : options.Value.ReconcileMinAge;
        var now = time.GetUtcNow().UtcDateTime;
        foreach (string stale in Directory.EnumerateFiles(service.TempDirectory))
        {
            if (now - File.GetLastWriteTimeUtc(stale) >= minAge)
            {
                File.Delete(stale);
            }
        }

        var rows = (await store.ListHashesAsync(cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        var onDisk = new HashSet<string>(StringComparer.Ordinal);
        int adopted = 0, removed = 0;
        foreach (string path in Directory.EnumerateFiles(files.Directory))
        {
            string name = Path.GetFileName(path);
            if (!ImageName().IsMatch(name))
            {
                continue; // not ours: leave it
            }

            string sha256 = name[..64];
            onDisk.Add(sha256);
            if (rows.Contains(sha256) || now - File.GetLastWriteTimeUtc(path) < minAge)
            {
                continue;
            }

            if (await service.TryAdoptAsync(sha256, path, cancellationToken).ConfigureAwait(false))
            {
                adopted++;
                logger.LogWarning("Reconcile: adopted {Sha256}, an image file without a row (an upload interrupted before its row was written)", sha256);
            }
            else
            {
                File.Delete(path);
                onDisk.Remove(sha256);
                removed++;
                logger.LogWarning("Reconcile: removed {File}, an image file without a row whose bytes are not an acceptable image of that SHA-256", name);
            }
        }

        var missing = rows.Where(r => !onDisk.Contains(r)).Order(StringComparer.Ordinal).ToList();
        foreach (string sha256 in missing)
        {
            logger.LogWarning("Reconcile: firmware {Sha256} has a row but no file in {Directory}; devices offered it will get 404", sha256, files.Directory);
        }

        LastReconcile = new ReconcileSummary(adopted, removed, missing);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [GeneratedRegex(@"\A[0-9a-f]{64}\.bin\z", RegexOptions.CultureInvariant)]
    private static partial Regex ImageName();
}

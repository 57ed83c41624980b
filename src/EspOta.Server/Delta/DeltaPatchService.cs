using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using EspOta.Delta;
using EspOta.Server.Firmware;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EspOta.Server.Delta;

/// <summary>
/// Makes patches in the background: for every uploaded image, from the last
/// <see cref="DeltaPatchOptions.BaseVersions"/> earlier images of the same project and chip. One image
/// at a time (patch creation is CPU-bound); progress per image in <see cref="Jobs"/>. At start it
/// queues every stored image, so patches missing after a restart are made again.
/// </summary>
internal sealed class DeltaPatchService : BackgroundService
{
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, DeltaJobStatus> _jobs = new(StringComparer.Ordinal);
    private readonly IFirmwareStore _firmware;
    private readonly ImageFiles _files;
    private readonly DeltaPatchStore _patches;
    private readonly DeltaPatchOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DeltaPatchService> _logger;

    private readonly Encryption.IEncryptionStore _encryption;

    public DeltaPatchService(IFirmwareStore firmware, ImageFiles files, DeltaPatchStore patches, IOptions<DeltaPatchOptions> options, TimeProvider time, ILogger<DeltaPatchService> logger, Encryption.IEncryptionStore encryption)
    {
        _firmware = firmware;
        _encryption = encryption;
        _files = files;
        _patches = patches;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Progress of every image queued since start.</summary>
    public IReadOnlyList<DeltaJobStatus> Jobs => _jobs.Values.OrderBy(j => j.TargetSha256, StringComparer.Ordinal).ToList();

    /// <summary>Queues the patches to <paramref name="targetSha256"/> (idempotent: made patches are kept).</summary>
    public void Enqueue(string targetSha256)
    {
        if (!_options.Enabled)
        {
            return;
        }

        _jobs[targetSha256] = new DeltaJobStatus(targetSha256, "queued", 0, 0, []);
        _queue.Writer.TryWrite(targetSha256);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var record in await ListAllAsync(null, null, stoppingToken))
        {
            Enqueue(record.Sha256);
        }

        await foreach (var target in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                // Off the request threads; one image at a time.
                await Task.Run(() => MakePatchesAsync(target, stoppingToken), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or EspException or FormatException or UnauthorizedAccessException)
            {
                _logger.LogWarning(ex, "making patches to {Target} failed", target);
                _jobs[target] = _jobs[target] with { State = "failed", Errors = [ex.Message] };
            }
        }
    }

    /// <summary>Every stored image of a project and chip (or all), in upload order, page by page.</summary>
    private async Task<List<FirmwareRecord>> ListAllAsync(string? project, string? chip, CancellationToken cancellationToken)
    {
        const int Page = 500;
        var all = new List<FirmwareRecord>();
        long? after = null;
        while (true)
        {
            var page = await _firmware.ListAsync(project, chip, after, Page, cancellationToken);
            all.AddRange(page);
            if (page.Count < Page)
            {
                return all;
            }

            after = page[^1].Sequence;
        }
    }

    private async Task MakePatchesAsync(string targetSha256, CancellationToken cancellationToken)
    {
        if (await _firmware.GetAsync(targetSha256, cancellationToken) is not { } target)
        {
            _jobs[targetSha256] = new DeltaJobStatus(targetSha256, "failed", 0, 0, ["the firmware is not stored"]);
            return;
        }

        // Encrypted images (issue 11) are neither targets nor bases: a patch is made from plaintext,
        // which the server of an encrypted project never keeps.
        if (await _encryption.GetImageAsync(targetSha256, cancellationToken) is not null)
        {
            _jobs[targetSha256] = new DeltaJobStatus(targetSha256, "done", 0, 0, ["the image is stored encrypted: no patches"]);
            return;
        }

        var bases = new List<FirmwareRecord>();
        foreach (var candidate in (await ListAllAsync(target.Project, target.Chip, cancellationToken))
            .Where(r => r.Sequence < target.Sequence)
            .OrderByDescending(r => r.Sequence))
        {
            if (bases.Count >= Math.Max(0, _options.BaseVersions))
            {
                break;
            }

            if (await _encryption.GetImageAsync(candidate.Sha256, cancellationToken) is null)
            {
                bases.Add(candidate);
            }
        }
        var errors = new List<string>();
        _jobs[targetSha256] = new DeltaJobStatus(targetSha256, "running", bases.Count, 0, errors);
        byte[]? newImage = null;
        int done = 0;
        foreach (var source in bases)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_patches.Find(source.Sha256, targetSha256) is null)
            {
                newImage ??= File.ReadAllBytes(_files.PathOf(targetSha256));
                var baseImage = File.ReadAllBytes(_files.PathOf(source.Sha256));
                try
                {
                    var validation = DeltaPatchCreator.ValidationHash(baseImage);
                    var clock = Stopwatch.StartNew();
                    var patch = DeltaPatchCreator.Create(baseImage, newImage);
                    clock.Stop();
                    var record = new DeltaPatchRecord(
                        Convert.ToHexStringLower(SHA256.HashData(patch)),
                        source.Sha256,
                        Convert.ToHexStringLower(validation),
                        targetSha256,
                        patch.Length,
                        newImage.Length,
                        _time.GetUtcNow(),
                        clock.Elapsed.TotalSeconds);
                    _patches.Save(record, patch);
                    _logger.LogInformation("patch {Base} -> {Target}: {Size} bytes for {TargetSize}", source.Sha256, targetSha256, patch.Length, newImage.Length);
                }
                catch (EspException ex)
                {
                    errors.Add($"{source.Sha256}: {ex.Message}");
                }
            }

            done++;
            _jobs[targetSha256] = new DeltaJobStatus(targetSha256, "running", bases.Count, done, errors.ToList());
        }

        _jobs[targetSha256] = new DeltaJobStatus(targetSha256, "done", bases.Count, done, errors);
    }
}

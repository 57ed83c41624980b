using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using EspOta.Http;
using EspOta.Images;
using EspOta.Server;
using EspOta.Torture;
using Microsoft.AspNetCore.Builder;

namespace EspOta.Tests.Torture;

/// <summary>
/// The torture scenario <c>http-install</c> (issue 14): app-1 installed by the device's real <see cref="HttpOtaClient"/>
/// (header, admission, sequential erase, 1 KiB writes, a checkpoint after each in the <c>nvs</c> partition through
/// <see cref="FlashOtaCheckpointStore"/>, 16 KiB ranges, esp_ota_end, set boot, checkpoint forgotten) from the real
/// EspOta server on 127.0.0.1, then reboot and mark valid. Every flash operation of that is cut — the checkpoint
/// saves included, since they are flash writes — and after every cut the engine's continuations run plus the
/// resume: boot, the client resumes through whatever checkpoint survived (or starts again), reboot, mark valid.
/// </summary>
/// <remarks>The scenario needs a running server, so it lives here rather than in <see cref="TortureScenarios.All"/>.</remarks>
internal sealed class HttpInstallTorture : IDisposable
{
    public const string Name = "http-install";
    private const string ApiKey = "torture-key-0123456789";
    private const string Target = "app-1";

    private static readonly HttpOtaClientOptions ClientOptions = new()
    {
        RequestSize = 16 * 1024,
        WriteSize = 1024,
        RetryJitterSeed = 1,
    };

    private readonly WebApplication _app;
    private readonly string _data;
    private readonly HttpClient _admin;
    private readonly HttpClient _device;
    private readonly ConcurrentDictionary<string, UpdateOffer> _offers = new();
    private readonly Func<IOtaCheckpointStore, IOtaCheckpointStore> _wrapStore;
    private long _fromCheckpoint;
    private long _fromStart;
    private long _refused;
    private long _alreadyRunning;

    private HttpInstallTorture(Func<IOtaCheckpointStore, IOtaCheckpointStore>? wrapStore)
    {
        _wrapStore = wrapStore ?? (store => store);
        _data = Path.Combine(Path.GetTempPath(), "esp-ota-torture-http", Guid.NewGuid().ToString("N"));
        _app = EspOtaServerHost.Create("http://127.0.0.1:0", o =>
        {
            o.DataDirectory = _data;
            o.ApiKey = ApiKey;
        });
        _app.StartAsync().GetAwaiter().GetResult();
        var address = new Uri(_app.Urls.Single());
        _admin = new HttpClient { BaseAddress = address };
        _admin.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        _device = new HttpClient(new FullReadHandler(new SocketsHttpHandler())) { BaseAddress = address };
        Scenario = new TortureScenario(
            Name,
            "app-0 runs from ota_0; HttpOtaClient installs app-1 from the EspOta server (16 KiB ranges, 1 KiB writes, a checkpoint in nvs after each), set boot, forget the checkpoint, reboot, mark valid",
            TortureScenarios.InitialApp,
            Body)
        {
            ResumeDownload = Resume,
            ResumeTarget = Target,
        };
    }

    /// <summary>The scenario, bound to this server.</summary>
    public TortureScenario Scenario { get; }

    /// <summary>Resume continuations that continued from a checkpoint.</summary>
    public long FromCheckpoint => Interlocked.Read(ref _fromCheckpoint);

    /// <summary>Resume continuations that found no usable checkpoint and downloaded from the start.</summary>
    public long FromStart => Interlocked.Read(ref _fromStart);

    /// <summary>Resume continuations whose offer was refused before any erase (a rolled-back version).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Resume continuations that found app-1 already running.</summary>
    public long AlreadyRunning => Interlocked.Read(ref _alreadyRunning);

    /// <summary>
    /// Starts the server (on 127.0.0.1, a free port, a temp data folder); <paramref name="wrapStore"/> lets a test put a
    /// deliberately broken checkpoint store between the client and the flash.
    /// </summary>
    public static HttpInstallTorture Start(Func<IOtaCheckpointStore, IOtaCheckpointStore>? wrapStore = null) => new(wrapStore);

    public void Dispose()
    {
        _device.Dispose();
        _admin.Dispose();
        _app.StopAsync().GetAwaiter().GetResult();
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a pooled connection; the temp folder is cleaned by the OS.
        }
    }

    private void Body(TortureSession s)
    {
        // The body's device starts powered off; this boot writes nothing (app-0's entry is already VALID).
        s.Boot();
        var offer = Offer(s.Image(Target));
        var nvs = s.Table.FindFirst(label: "nvs")!;
        s.Step("http: esp_https_ota (download, checkpoints, esp_ota_end, esp_ota_set_boot_partition)", () =>
        {
            var store = new SplittingStore(_wrapStore(new FlashOtaCheckpointStore(s.Device.Flash, nvs)), s);
            Client().InstallAsync(s.Device, Chip.Esp32C3, offer, store).GetAwaiter().GetResult();
        }, i => i.AfterSelect(Target));
        s.Boot();
        s.MarkValid();
    }

    // The app after a cut: it resumes the install of the offered app unless that app already runs.
    private TortureResumeOutcome Resume(TortureResume resume)
    {
        var device = resume.Device;
        if (device.LastBoot?.App?.Version == Target)
        {
            Interlocked.Increment(ref _alreadyRunning);
            return TortureResumeOutcome.Nothing;
        }

        var offer = _offers.Values.Single();
        var table = device.LastBoot!.Table!;
        var store = _wrapStore(new FlashOtaCheckpointStore(device.Flash, table.FindFirst(label: "nvs")!));
        HttpOtaResult result;
        try
        {
            result = Client().InstallAsync(device, Chip.Esp32C3, offer, store).GetAwaiter().GetResult();
        }
        catch (HttpOtaRefusedException refused) when (refused.BeforeErase)
        {
            // The app-1 trial ended unconfirmed and was rolled back: the client will not install it again.
            Interlocked.Increment(ref _refused);
            return TortureResumeOutcome.RefusedBecause($"{refused.Refusal}: {refused.Message}");
        }

        if (result.ResumedFrom is null)
        {
            Interlocked.Increment(ref _fromStart);
        }
        else
        {
            Interlocked.Increment(ref _fromCheckpoint);
        }

        return new TortureResumeOutcome(result.App.Version, result.Partition, result.ResumedFrom, offer.Size);
    }

    private HttpOtaClient Client() => new(_device, ClientOptions);

    private UpdateOffer Offer(ReadOnlyMemory<byte> image) =>
        _offers.GetOrAdd(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image.Span)), _ =>
        {
            using var content = new ByteArrayContent(image.ToArray());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var response = _admin.PostAsync("/api/firmware", content).GetAwaiter().GetResult();
            string body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"upload refused: {(int)response.StatusCode} {body}");
            }

            var info = JsonDocument.Parse(body).RootElement;
            return new UpdateOffer(
                new Uri(info.GetProperty("download_url").GetString()!).PathAndQuery,
                info.GetProperty("size").GetInt64(),
                info.GetProperty("sha256").GetString()!,
                info.GetProperty("project").GetString()!,
                info.GetProperty("version").GetString()!,
                info.GetProperty("secure_version").GetUInt32(),
                info.GetProperty("chip").GetString()!);
        });

    // The client forgets its checkpoint right after esp_ota_set_boot_partition: from there on the update is selected.
    private sealed class SplittingStore(IOtaCheckpointStore inner, TortureSession session) : IOtaCheckpointStore
    {
        private bool _saved;

        public OtaCheckpoint? Load() => inner.Load();

        public void Save(OtaCheckpoint checkpoint)
        {
            _saved = true;
            inner.Save(checkpoint);
        }

        public void Clear()
        {
            if (_saved)
            {
                session.SplitStep("http: forget the checkpoint (nvs)");
            }

            inner.Clear();
        }
    }
}

using System.Diagnostics;
using System.Security.Cryptography;
using EspOta.Device;
using EspOta.Http;
using EspOta.Images;

using static EspOta.Server.Tests.Http.HttpTestDevices;

namespace EspOta.Server.Tests.Http;

/// <summary>
/// Slow and interrupted links (issue 16, item 5): what arrives is written and checkpointed a flash page
/// at a time, the timeout is an idle timeout, and retries back off over a window long enough to ride
/// through a server restart. No timing is asserted; the timeouts are small and bounded.
/// </summary>
public sealed class SlowLinkTests
{
    private const string Project = "slow-app";

    [Fact]
    public async Task Install_HonestServerSlowerThanTheTimeoutPerRequest_Completes()
    {
        // 100 bytes every 20 ms: one 64 KiB range takes far longer than RequestTimeout (the body about
        // twice as long), but bytes never stop for long. A whole-request timeout (the old behaviour) would
        // cut every range. The timeout leaves room for a parallel test run stalling one read (CI once
        // lost a read for more than 1.5 s on two loaded cores).
        var image = TestFirmware.Build(Project, "2.0.0", payload: 32_000);
        await using var server = await SlowServer.StartAsync(image, chunkSize: 100, pause: TimeSpan.FromMilliseconds(20));
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var options = new HttpOtaClientOptions { RequestTimeout = TimeSpan.FromSeconds(3), MaxRetries = 0 };
        var checkpoints = new RecordingCheckpointStore();
        var device = BootDevice(NewFlash(TestFirmware.Build(Project, "1.0.0")));
        var clock = Stopwatch.StartNew();

        var result = await new HttpOtaClient(http, options).InstallAsync(device, Chip.Esp32, Offer(image), checkpoints);

        clock.Stop();
        Assert.Equal(("ota_0", "2.0.0", 0), (device.Ota.GetBootPartition()!.Label, result.App.Version, result.Retries));
        // The body took longer than one RequestTimeout: this is the case the old timeout failed.
        Assert.True(clock.Elapsed > options.RequestTimeout, $"the download took {clock.Elapsed}; the test needs it slower than {options.RequestTimeout}");
        // Checkpointed page by page, not once per 16 KiB buffer.
        Assert.True(checkpoints.Saved.Count >= (image.Length - HttpOtaClientOptions.HeaderSize) / 2048, $"{checkpoints.Saved.Count} checkpoints for {image.Length} bytes");
        device.Reboot();
        Assert.Equal("2.0.0", device.LastBoot!.App!.Version);
    }

    [Fact]
    public async Task Install_SlowLinkCutOff_LosesLessThanAPageAndResumesThere()
    {
        var image = TestFirmware.Build(Project, "2.0.0", payload: 16_000);
        const long cut = 7_037; // not on a page or buffer boundary
        await using var server = await SlowServer.StartAsync(image, chunkSize: 90, pause: TimeSpan.FromMilliseconds(2));
        server.CutAt = cut;
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var options = new HttpOtaClientOptions { RequestTimeout = TimeSpan.FromSeconds(5), MaxRetries = 0 };
        var checkpoints = new RecordingCheckpointStore();
        var device = BootDevice(NewFlash(TestFirmware.Build(Project, "1.0.0")));

        var failure = await Assert.ThrowsAsync<EspException>(() => new HttpOtaClient(http, options).InstallAsync(device, Chip.Esp32, Offer(image), checkpoints));
        long saved = checkpoints.Load()!.BytesWritten;
        device.Reboot();
        var result = await new HttpOtaClient(http, options).InstallAsync(device, Chip.Esp32, Offer(image), checkpoints);

        Assert.Equal(EspError.HttpConnectionClosed, failure.Code);
        Assert.InRange(saved, cut - HttpOtaClientOptions.PageSize + 1, cut);
        Assert.Equal(saved, result.ResumedFrom);
        Assert.Equal(image.Length - saved, result.BytesDownloaded);
        device.Reboot();
        Assert.Equal("2.0.0", device.LastBoot!.App!.Version);
    }

    [Fact]
    public async Task Install_SilentLink_IdleTimeoutRetriesFromWhatArrived()
    {
        // 700 bytes, then 3 s of silence per chunk: each read waits longer than the 0.5 s idle
        // timeout, so every chunk costs a retry; bytes keep arriving, so the retries never run out.
        var image = TestFirmware.Build(Project, "2.0.0", payload: 1_000);
        await using var server = await SlowServer.StartAsync(image, chunkSize: 700, pause: TimeSpan.FromSeconds(3));
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var options = new HttpOtaClientOptions { RequestTimeout = TimeSpan.FromSeconds(0.5), MaxRetries = 2, RetryDelay = TimeSpan.Zero, MaxRetryDelay = TimeSpan.Zero };
        var device = BootDevice(NewFlash(TestFirmware.Build(Project, "1.0.0")));

        var result = await new HttpOtaClient(http, options).InstallAsync(device, Chip.Esp32, Offer(image));

        Assert.True(result.Retries >= 1, $"{result.Retries} retries");
        Assert.Equal(image.Length, result.BytesDownloaded);
        Assert.Equal("2.0.0", result.App.Version);
    }

    [Fact]
    public async Task Install_ServerRestartsMidDownload_DefaultBackoffRidesThrough()
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = TestFirmware.Build(Project, "2.0.0", payload: 300_000);
        var offer = await UploadAsync(server, image);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        // The defaults, with a fixed jitter seed so a failure replays the same pauses.
        var options = new HttpOtaClientOptions { RetryJitterSeed = 16 };
        var device = BootDevice(NewFlash(TestFirmware.Build(Project, "1.0.0")));
        Task? restarted = null;
        var progress = new SynchronousProgress(p =>
        {
            if (restarted is null && p.BytesWritten >= image.Length / 3)
            {
                // The device waits here until the server is down (else it may fetch the rest over
                // its open connection while Kestrel drains); down for 1.5 s plus the start-up:
                // longer than the old retry window (~0.75 s).
                restarted = server.StopForAsync(TimeSpan.FromSeconds(1.5)).GetAwaiter().GetResult();
            }
        });

        var result = await new HttpOtaClient(http, options).InstallAsync(device, Chip.Esp32, offer, progress: progress);

        Assert.NotNull(restarted);
        await restarted;
        Assert.True(result.Retries >= 1, $"{result.Retries} retries");
        Assert.Equal(("ota_0", "2.0.0"), (device.Ota.GetBootPartition()!.Label, result.App.Version));
        device.Reboot();
        Assert.Equal("2.0.0", device.LastBoot!.App!.Version);
    }

    private static UpdateOffer Offer(byte[] image) =>
        new("fw", image.Length, Convert.ToHexStringLower(SHA256.HashData(image)), Project, "2.0.0", 0, "esp32");

    /// <summary>A real checkpoint store that also keeps the image length of every save, in order.</summary>
    private sealed class RecordingCheckpointStore : IOtaCheckpointStore
    {
        private readonly MemoryOtaCheckpointStore _inner = new();

        public List<long> Saved { get; } = [];

        public OtaCheckpoint? Load() => _inner.Load();

        public void Save(OtaCheckpoint checkpoint)
        {
            Saved.Add(checkpoint.BytesWritten);
            _inner.Save(checkpoint);
        }

        public void Clear() => _inner.Clear();
    }

    /// <summary>Runs the callback on the reporting thread (Progress&lt;T&gt; would post it elsewhere).</summary>
    private sealed class SynchronousProgress(Action<HttpOtaProgress> report) : IProgress<HttpOtaProgress>
    {
        public void Report(HttpOtaProgress value) => report(value);
    }
}

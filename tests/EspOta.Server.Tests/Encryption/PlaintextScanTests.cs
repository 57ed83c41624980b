using System.Net;
using System.Net.Http.Json;
using EspOta.Server.Firmware;

namespace EspOta.Server.Tests.Encryption;

/// <summary>
/// Issue 11's promise, checked on the bytes: after (and during) an upload to an encrypted project,
/// no file under the server's data folder — images, tmp, the SQLite database and its WAL — holds any
/// 64-byte window of the plain image. The same scan over a plain project's folder finds the image,
/// so the scan itself can fail.
/// </summary>
public sealed class PlaintextScanTests
{
    private const string Project = "scan-app";

    /// <summary>Sends the first half, waits to be released, then the rest: an upload caught in the middle.</summary>
    private sealed class PausingContent(byte[] body) : HttpContent
    {
        public TaskCompletionSource HalfSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            int half = body.Length / 2;
            await stream.WriteAsync(body.AsMemory(0, half));
            await stream.FlushAsync();
            HalfSent.SetResult();
            await Release.Task;
            await stream.WriteAsync(body.AsMemory(half));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }

    private static async Task<HttpResponseMessage> UploadPausedAsync(OtaTestServer server, byte[] image, Func<Task> whilePaused)
    {
        using var content = new PausingContent(image);
        content.Headers.ContentType = new("application/octet-stream");
        var sending = server.Admin.PostAsync("/api/firmware", content);
        await content.HalfSent.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await whilePaused();
        content.Release.SetResult();
        return await sending;
    }

    /// <summary>Waits until the upload has reached tmp/ with at least <paramref name="bytes"/> bytes.</summary>
    private static async Task<long> WaitForTempAsync(string data, long bytes)
    {
        var tmp = Path.Combine(data, "tmp");
        for (int i = 0; i < 300; i++)
        {
            long size = Directory.EnumerateFiles(tmp).Select(f => new FileInfo(f).Length).DefaultIfEmpty(0).Max();
            if (size >= bytes)
            {
                return size;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"no upload of {bytes} bytes appeared in {tmp}");
    }

    private static string Describe(List<(string File, long Offset, int PlainOffset)> hits) =>
        string.Join("; ", hits.Take(5).Select(h => $"{h.File} at {h.Offset} holds the plain image's bytes at {h.PlainOffset}"));

    [Fact]
    public async Task EncryptedProject_NoWindowOfThePlainImageAnywhereInTheDataFolder_DuringAndAfterUpload()
    {
        var plain = TestFirmware.Build(Project, "2.0.0", payload: 600_000, seed: 11);
        int searched = PlaintextScan.SearchedWindows(plain);
        Assert.True(searched > plain.Length * 9 / 10, $"only {searched} windows of {plain.Length} bytes are searched");
        await using var server = await OtaTestServer.StartAsync();
        await EncryptedProjectTests.SetKeyAsync(server.Admin, Project, EncryptedProjectTests.EcdhPublicPem);
        List<(string File, long Offset, int PlainOffset)>? during = null;

        using var response = await UploadPausedAsync(server, plain, async () =>
        {
            // Half the body is in: what is in tmp/ now is all the server has written of it.
            await WaitForTempAsync(server.DataDirectory, plain.Length / 4);
            during = PlaintextScan.Find(server.DataDirectory, plain);
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var info = (await response.Content.ReadFromJsonAsync<FirmwareInfo>())!;
        Assert.NotNull(info.Encryption);
        // A restart (startup reconcile) and an update check write to the folder too.
        await server.RestartAsync();
        using (await server.CheckAsync(new { device_id = "scan-dev", chip = "esp32", project = Project, version = "1.0.0", secure_version = 0 }))
        {
        }

        var after = PlaintextScan.Find(server.DataDirectory, plain);

        Assert.True(during!.Count == 0, Describe(during));
        Assert.True(after.Count == 0, Describe(after));
        Assert.True(File.Exists(Path.Combine(server.DataDirectory, "esp-ota.db")));
        Assert.True(File.Exists(Path.Combine(server.DataDirectory, "images", info.Sha256 + ".bin")));
    }

    [Fact]
    public async Task PlainProject_TheSameScanFindsTheImage_DuringAndAfterUpload()
    {
        var plain = TestFirmware.Build(Project, "2.0.0", payload: 600_000, seed: 11);
        await using var server = await OtaTestServer.StartAsync();
        List<(string File, long Offset, int PlainOffset)>? during = null;

        using var response = await UploadPausedAsync(server, plain, async () =>
        {
            await WaitForTempAsync(server.DataDirectory, plain.Length / 4);
            during = PlaintextScan.Find(server.DataDirectory, plain);
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var after = PlaintextScan.Find(server.DataDirectory, plain);

        Assert.Contains(during!, hit => Path.GetDirectoryName(hit.File) == Path.Combine(server.DataDirectory, "tmp"));
        Assert.Contains(after, hit => Path.GetDirectoryName(hit.File) == Path.Combine(server.DataDirectory, "images"));
    }
}

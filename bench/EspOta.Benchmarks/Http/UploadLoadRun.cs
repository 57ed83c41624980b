using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EspOta.Images;
using EspOta.Security;

namespace EspOta.Benchmarks.Http;

/// <summary>
/// A bounded load run of the upload endpoint (issue 11): one <c>esp-ota serve</c> process takes U
/// distinct 1.5 MiB images of a plain project, then U of a project with an ECIES-P256 encryption key
/// (verified while streaming, encrypted, ciphertext only on disk, hashed again from disk), C uploads
/// at a time. Reports MB/s of plain image bytes accepted for each, their ratio, and the server's peak
/// resident memory after each phase.
/// </summary>
/// <remarks>dotnet run -c Release --project bench/EspOta.Benchmarks -- upload [uploads] [concurrency] [image bytes]</remarks>
internal static class UploadLoadRun
{
    private sealed record Phase(string Project, bool Encrypted, int Uploads, int Concurrency, int ImageBytes, double Seconds, double MegabytesPerSecond, double UploadP50Ms, double ServerPeakRssMib);

    public static async Task<int> RunAsync(string[] args)
    {
        int uploads = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        int concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        int imageTarget = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1536 * 1024;

        await using var server = LoadRunServer.Start("upload");
        using var admin = server.CreateAdminClient();
        using var deviceKey = ImageDecryptionKey.FromHmacKey(new byte[32]);
        using var publicKey = deviceKey.PublicKey;
        using (var set = await admin.PutAsJsonAsync("api/projects/upload-encrypted/encryption-key", new { public_key_pem = publicKey.ExportPem() }))
        {
            set.EnsureSuccessStatusCode();
        }

        // One warm-up upload per project, so that JIT and connection set-up are outside both phases.
        var plain = await RunPhaseAsync(server, admin, "upload-plain", false, uploads, concurrency, imageTarget);
        var encrypted = await RunPhaseAsync(server, admin, "upload-encrypted", true, uploads, concurrency, imageTarget);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            plain,
            encrypted,
            encrypted_to_plain_throughput = Math.Round(encrypted.MegabytesPerSecond / plain.MegabytesPerSecond, 2),
            machine_load = File.ReadAllText("/proc/loadavg").Trim(),
        }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
        return 0;
    }

    private static async Task<Phase> RunPhaseAsync(LoadRunServer server, HttpClient admin, string project, bool encrypted, int uploads, int concurrency, int imageTarget)
    {
        var probe = new AppImageBuilder(Chip.Esp32).WithProject(project).WithVersion("0.0.0").Build();
        // Plain images each get a project of their own: no earlier version means no delta patch job in
        // the background (an encrypted image never gets one), so both phases measure the upload alone.
        byte[] Image(int i) => new AppImageBuilder(Chip.Esp32).WithProject(encrypted ? project : $"{project}-{i}").WithVersion($"1.0.{i}")
            .WithPayload(imageTarget - probe.Length, (ulong)i + 1).Build();
        await UploadAsync(admin, Image(uploads));
        var images = Enumerable.Range(0, uploads).Select(Image).ToArray();
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        int next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            for (int i; (i = Interlocked.Increment(ref next)) < images.Length;)
            {
                long start = Stopwatch.GetTimestamp();
                await UploadAsync(admin, images[i]);
                latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        })));
        clock.Stop();
        double megabytes = images.Sum(i => (double)i.Length) / 1e6;
        var sorted = latencies.Order().ToArray();
        return new Phase(project, encrypted, uploads, concurrency, images[0].Length, Math.Round(clock.Elapsed.TotalSeconds, 3),
            Math.Round(megabytes / clock.Elapsed.TotalSeconds, 1), Math.Round(sorted[sorted.Length / 2], 1), Math.Round(server.PeakResidentBytes() / 1048576.0, 1));
    }

    private static async Task UploadAsync(HttpClient admin, byte[] image)
    {
        using var content = new ByteArrayContent(image);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await admin.PostAsync("api/firmware", content);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"upload refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EspOta.Http;

namespace EspOta.Server.Tests.Cli;

public sealed class ServeCommandTests
{
    [Fact]
    public async Task Serve_AsAProcess_PrintsItsAddressAndServesUploadsAndChecks()
    {
        string data = Path.Combine(Path.GetTempPath(), "esp-ota-serve-test-" + Guid.NewGuid().ToString("N")[..8]);
        // The built esp-ota.dll, or the ESP_OTA_CLI executable (the native AOT build in CI).
        var start = CliRunner.ProcessStart(["serve", "--data", data, "--urls", "http://127.0.0.1:0", "--allow-http", "--api-key", "k", "--json"]);

        using var process = Process.Start(start)!;
        try
        {
            string line = (await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)))!;
            using var started = JsonDocument.Parse(line);
            var address = new Uri(started.RootElement.GetProperty("urls")[0].GetString()!);
            using var http = new HttpClient { BaseAddress = address };
            using var content = new ByteArrayContent(TestFirmware.Build("serve-app", "2.0.0"));
            using var upload = new HttpRequestMessage(HttpMethod.Post, "/api/firmware") { Content = content };
            upload.Headers.Add("X-Api-Key", "k");

            using var uploaded = await http.SendAsync(upload);
            using var check = await http.PostAsJsonAsync("/api/updates/check", new UpdateCheckRequest("d", "esp32", "serve-app", "1.0.0", 0));

            Assert.Equal(IPAddress.Loopback.ToString(), address.Host);
            Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
            Assert.Equal("2.0.0", (await check.Content.ReadFromJsonAsync<UpdateOffer>())!.Version);
            Assert.True(File.Exists(Path.Combine(data, "esp-ota.db")));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Directory.Delete(data, recursive: true);
        }
    }
}

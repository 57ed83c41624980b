using System.CommandLine;
using System.Text.Json.Nodes;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using EspOta.Flash;
using EspOta.Http;
using EspOta.Simulation;
using EspOta.Images;
using EspOta.Security;
using EspOta.Server;
using EspOta.Server.Devices;
using Spectre.Console;

namespace EspOta.Cli.Commands;

/// <summary>
/// <c>esp-ota demo</c>: the whole cycle on one machine. A server on a free loopback port, firmware
/// v1 (factory), v2 and a broken v3; one device updates to v2 and confirms it, then takes v3, whose
/// self-test fails, and rolls back to v2. Then a pre-encrypted act (<see cref="DemoEncryptedAct"/>)
/// and the rollout act.
/// </summary>
internal static class DemoCommand
{
    private const string Project = "esp-ota-demo";
    private const long SlotSize = 0x100000;

    public static Command Create(CliContext context)
    {
        var json = ServerOptions.Json();
        var keep = new Option<bool>("--keep") { Description = "Keep the temporary data folder." };
        var secureBoot = new Option<bool>("--secure-boot")
        {
            Description = "Secure Boot v2 device (ESP32-C3, RSA-3072, two fresh keys): v2 signed by key0+key1, key0 revoked after confirming it, v3 signed by key1 only, and an unsigned v4 the device refuses.",
        };
        var command = new Command("demo", "Run the OTA cycle end to end: server, v1 -> v2 (confirmed) -> v3 (self-test fails, rolled back to v2).") { json, keep, secureBoot };
        command.SetAction(parse => RunAsync(context, parse.GetValue(json), parse.GetValue(keep), parse.GetValue(secureBoot)).GetAwaiter().GetResult());
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, bool json, bool keep, bool secureBoot)
    {
        var data = Path.Combine(Path.GetTempPath(), "esp-ota-demo-" + Guid.NewGuid().ToString("N")[..8]);
        string apiKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        // HTTPS as production esp_https_ota runs it: a local CA, a server certificate for 127.0.0.1,
        // and the device trusting that CA as its cert_pem.
        var certificates = Path.Combine(data, "certs");
        Directory.CreateDirectory(certificates);
        string caPem;
        using (var ca = EspOta.Security.LocalCertificateAuthority.Create("esp-ota demo CA"))
        using (var serverCertificate = ca.IssueServer(["127.0.0.1", "localhost"]))
        {
            caPem = EspOta.Security.LocalCertificateAuthority.CertificatePem(ca.Certificate);
            File.WriteAllText(Path.Combine(certificates, "ca.pem"), caPem);
            File.WriteAllText(Path.Combine(certificates, "server.key"), EspOta.Security.LocalCertificateAuthority.KeyPem(serverCertificate));
            File.WriteAllText(Path.Combine(certificates, "server.pem"), EspOta.Security.LocalCertificateAuthority.CertificatePem(serverCertificate));
        }

        var app = EspOtaServerHost.Create("https://127.0.0.1:0", o =>
        {
            o.DataDirectory = data;
            o.ApiKey = apiKey;

            // The rollout act's 50 devices all come from 127.0.0.1: the per-address limit (one device, or
            // one NAT) would throttle them as a single client, and a report it refused is lost — a lost
            // confirmation can stall a stage that needs every device confirmed.
            o.DeviceRequestsPerSecond = 0;
        }, new EspOta.Server.Tls.EspOtaTlsOptions { CertificatePath = Path.Combine(certificates, "server.pem"), KeyPath = Path.Combine(certificates, "server.key") });
        var checks = new List<(string What, bool Ok)>();
        SimulatedDevice? device = null;
        Action? rolloutSummary = null;
        try
        {
            await app.StartAsync();
            var baseAddress = new Uri(app.Urls.First());
            var trust = new HttpOtaTlsOptions { CertPem = caPem };
            using var admin = HttpOtaTls.CreateClient(baseAddress, trust);
            admin.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
            using var http = HttpOtaTls.CreateClient(baseAddress, trust);

            Say(context, json, $"server on {baseAddress} (TLS, certificate from a local CA the device pins as cert_pem), data in {data}");
            if (secureBoot)
            {
                await SecureCycleAsync(context, json, admin, http, checks, d => device = d);
            }
            else
            {
                await PlainCycleAsync(context, json, admin, http, checks, d => device = d);
                await DemoEncryptedAct.RunAsync(context, json, admin, http, data, checks);
                rolloutSummary = await DemoRolloutAct.RunAsync(context, json, admin, http, baseAddress, checks);
            }
        }
        catch (Exception e) when (e is EspException or HttpRequestException or IOException or InvalidOperationException)
        {
            checks.Add(($"unexpected failure: {e.Message}", false));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (!keep)
            {
                try
                {
                    Directory.Delete(data, recursive: true);
                }
                catch (IOException)
                {
                    // A temp folder the OS will clean.
                }
            }
        }

        bool ok = checks.Count > 0 && checks.All(c => c.Ok);
        Report(context, json, device, checks, ok, rolloutSummary);
        return ok ? ExitCodes.Ok : ExitCodes.Failure;
    }

    private static byte[] Build(string version, int payload, ulong seed) => Build(Chip.Esp32, version, payload, seed);

    private static byte[] Build(Chip chip, string version, int payload, ulong seed) =>
        new AppImageBuilder(chip).WithProject(Project).WithVersion(version).WithPayload(payload, seed).Build();
    private static async Task PlainCycleAsync(CliContext context, bool json, HttpClient admin, HttpClient http, List<(string What, bool Ok)> checks, Action<SimulatedDevice> created)
    {
        var v1 = Build("1.0.0", 64 * 1024, 1);
        var v2 = Build("2.0.0", 512 * 1024, 2);
        var v3 = Build("3.0.0", 512 * 1024, 3);
        Say(context, json, $"built {Project} v1 ({v1.Length} B, factory), v2 ({v2.Length} B), v3 ({v3.Length} B, its self-test fails)");

        checks.Add(("v2 uploaded", await UploadAsync(admin, v2)));
        var progress = new ProgressSink();
        var device = new SimulatedDevice(
            "demo-device",
            Chip.Esp32,
            MemoryFlash.FromImage(SimulatedDeviceFlash.Build(v1, SlotSize)),
            new HttpOtaClient(http, new HttpOtaClientOptions { RequestSize = 64 * 1024 }),
            new SimulatedDeviceOptions
            {
                SelfTest = a => a.Version == "3.0.0" ? SelfTestOutcome.Fail : SelfTestOutcome.Pass,
                Progress = progress,
            });
        created(device);

        var first = await WithProgressAsync(context, json, "update to v2", progress, device.RunCycleAsync);
        checks.Add(("v1 -> v2 installed and confirmed", first.Outcome == DeviceCycleOutcome.Updated && device.RunningApp?.Version == "2.0.0"));

        checks.Add(("v3 uploaded", await UploadAsync(admin, v3)));
        var second = await WithProgressAsync(context, json, "update to v3", progress, device.RunCycleAsync);
        checks.Add(("v3 installed, self-test failed, rolled back to v2", second.Outcome == DeviceCycleOutcome.RolledBack && device.RunningApp?.Version == "2.0.0"));

        var third = await device.RunCycleAsync();
        checks.Add(("server no longer offers v3 to this device", third.Outcome == DeviceCycleOutcome.UpToDate));

        var details = await admin.GetFromJsonAsync("api/devices/demo-device", CliJsonContext.Default.DeviceDetails);
        var kinds = details?.History.Select(e => e.Kind).ToList() ?? [];
        checks.Add(("server recorded confirmed then rolled_back",
            kinds.IndexOf(DeviceReportKind.Confirmed) >= 0 && kinds.IndexOf(DeviceReportKind.RolledBack) > kinds.IndexOf(DeviceReportKind.Confirmed)));
    }

    /// <summary>
    /// The cycle on a Secure Boot v2 device: the project has no server signing policy here, so the
    /// device's own checks (<c>esp_ota_end</c>, the bootloader) are what refuse the unsigned v4.
    /// </summary>
    private static async Task SecureCycleAsync(CliContext context, bool json, HttpClient admin, HttpClient http, List<(string What, bool Ok)> checks, Action<SimulatedDevice> created)
    {
        using var key0 = SecureBootSigningKey.Generate(SignatureScheme.Rsa3072);
        using var key1 = SecureBootSigningKey.Generate(SignatureScheme.Rsa3072);
        var chip = Chip.Esp32C3;
        var v1 = ImageSigner.Sign(Build(chip, "1.0.0", 64 * 1024, 1), [key0]).Bytes;
        var v2 = ImageSigner.Sign(Build(chip, "2.0.0", 512 * 1024, 2), [key0, key1]).Bytes;
        var v3 = ImageSigner.Sign(Build(chip, "3.0.0", 512 * 1024, 3), [key1]).Bytes;
        var v4 = Build(chip, "4.0.0", 512 * 1024, 4);
        var bootloader = ImageSigner.Sign(new AppImageBuilder(chip).WithVersion("bootloader").WithPayload(16 * 1024, 5).Build(), [key0, key1]).Bytes;
        Say(context, json, $"keys: key0 {key0.PublicKey.Digest}, key1 {key1.PublicKey.Digest} (RSA-3072, in eFuse digest slots 0 and 1)");
        Say(context, json, $"built {Project} for {chip.DisplayName}: v1 (key0, factory), v2 (key0+key1), v3 (key1, its self-test fails), v4 (unsigned)");

        var flash = MemoryFlash.FromImage(SimulatedDeviceFlash.Build(v1, SlotSize));
        flash.Write(Layout.FlashComposeOptions.BootloaderOffsetFor(chip), bootloader);
        var config = SecureBootDeviceConfig.SecureBoot(chip, SignatureScheme.Rsa3072, [key0.PublicKey.Digest, key1.PublicKey.Digest]);
        var progress = new ProgressSink();
        var device = new SimulatedDevice(
            "demo-device",
            chip,
            flash,
            new HttpOtaClient(http, new HttpOtaClientOptions { RequestSize = 64 * 1024 }),
            new SimulatedDeviceOptions
            {
                SecureBoot = config,
                SelfTest = a => a.Version == "3.0.0" ? SelfTestOutcome.Fail : SelfTestOutcome.Pass,
                Progress = progress,
            });
        created(device);

        checks.Add(("v2 (key0+key1) uploaded", await UploadAsync(admin, v2)));
        var first = await WithProgressAsync(context, json, "update to v2", progress, device.RunCycleAsync);
        checks.Add(("v1 -> v2 installed, signature verified, confirmed", first.Outcome == DeviceCycleOutcome.Updated && device.RunningApp?.Version == "2.0.0"));

        device.Device.RevokeSecureBootPublicKey(0);
        checks.Add(("key0 revoked on the device (KEY_REVOKE0 burnt)", config.Efuses.Revoked[0]));

        checks.Add(("v3 (key1 only) uploaded", await UploadAsync(admin, v3)));
        var second = await WithProgressAsync(context, json, "update to v3", progress, device.RunCycleAsync);
        checks.Add(("v3 installed, self-test failed, rolled back to v2", second.Outcome == DeviceCycleOutcome.RolledBack && device.RunningApp?.Version == "2.0.0"));

        var third = await device.RunCycleAsync();
        checks.Add(("server no longer offers v3 to this device", third.Outcome == DeviceCycleOutcome.UpToDate));

        checks.Add(("v4 (unsigned) uploaded", await UploadAsync(admin, v4)));
        var fourth = await WithProgressAsync(context, json, "update to v4", progress, device.RunCycleAsync);
        checks.Add(("v4 refused by the device (ESP_ERR_OTA_VALIDATE_FAILED), v2 still runs",
            fourth.Outcome == DeviceCycleOutcome.Failed && fourth.Error is EspException { Code: EspError.OtaValidateFailed } && device.RunningApp?.Version == "2.0.0"));
        checks.Add(("v2 still boots after a reset", device.Device.Reboot().App?.Version == "2.0.0"));
    }


    private static async Task<bool> UploadAsync(HttpClient admin, byte[] image)
    {
        using var content = new ByteArrayContent(image);
        content.Headers.ContentType = new("application/octet-stream");
        using var response = await admin.PostAsync("api/firmware", content);
        await ServerOptions.EnsureSuccessAsync(response, CancellationToken.None);
        return true;
    }

    private static async Task<DeviceCycleResult> WithProgressAsync(CliContext context, bool json, string title, ProgressSink sink, Func<CancellationToken, Task<DeviceCycleResult>> cycle)
    {
        if (json || !context.Console.Profile.Capabilities.Interactive)
        {
            return await cycle(CancellationToken.None);
        }

        DeviceCycleResult? result = null;
        await context.Console.Progress().StartAsync(async p =>
        {
            var task = p.AddTask(title, maxValue: 1);
            sink.Target = v =>
            {
                task.MaxValue = v.TotalBytes;
                task.Value = v.BytesWritten;
            };
            result = await cycle(CancellationToken.None);
            task.Value = task.MaxValue;
            sink.Target = null;
        });
        return result!;
    }

    internal static void Say(CliContext context, bool json, string text)
    {
        if (!json)
        {
            context.Console.MarkupLineInterpolated($"[grey]{text}[/]");
        }
    }

    private static void Report(CliContext context, bool json, SimulatedDevice? device, List<(string What, bool Ok)> checks, bool ok, Action? rolloutSummary)
    {
        var timeline = device?.Timeline ?? [];
        if (json)
        {
            context.Out.WriteLine(CliJson.Format(new JsonObject
            {
                ["ok"] = ok,
                ["checks"] = CliJson.Array(checks, c => new JsonObject { ["what"] = c.What, ["ok"] = c.Ok }),
                ["timeline"] = CliJson.Array(timeline, s => new JsonObject
                {
                    ["seconds"] = s.Elapsed.TotalSeconds,
                    ["kind"] = s.Kind.ToString(),
                    ["version"] = s.Version,
                    ["detail"] = s.Detail,
                }),
            }));
            return;
        }

        var table = new Table().Title("demo-device timeline").AddColumns("t (s)", "Step", "Version", "Detail");
        foreach (var step in timeline)
        {
            table.AddRow(
                step.Elapsed.TotalSeconds.ToString("F3", System.Globalization.CultureInfo.InvariantCulture),
                step.Kind.ToString(),
                Markup.Escape(step.Version ?? ""),
                Markup.Escape(step.Detail ?? ""));
        }

        context.Console.Write(table);
        rolloutSummary?.Invoke();
        foreach (var (what, good) in checks)
        {
            context.Console.MarkupLine($"{(good ? "[green]ok[/]  " : "[red]FAIL[/]")} {Markup.Escape(what)}");
        }

        context.Console.MarkupLine(ok ? "[green]demo passed[/]" : "[red]demo failed[/]");
    }

    /// <summary>Forwards progress to whatever display is current.</summary>
    private sealed class ProgressSink : IProgress<HttpOtaProgress>
    {
        public Action<HttpOtaProgress>? Target { get; set; }

        public void Report(HttpOtaProgress value) => Target?.Invoke(value);
    }
}

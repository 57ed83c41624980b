using System.Net;
using System.Net.Http.Json;
using EspOta.Server.Firmware;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EspOta.Server.Tests.Firmware;

/// <summary>Issue 16 item 6: startup reconciles <c>images/</c> with the firmware table.</summary>
public sealed class ReconcileTests
{
    [Fact]
    public async Task CrashBetweenMoveAndRow_FileIsAdoptedAtRestart()
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = TestFirmware.Build("reconcile", "1.0.0");
        string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image));

        // The injected crash: the upload dies after its file is in place, before its row is written.
        server.Services.GetRequiredService<FirmwareService>().AfterMoveForTests = () => throw new InvalidOperationException("injected crash");
        try
        {
            (await server.UploadAsync(image)).Dispose();
        }
        catch (HttpRequestException)
        {
            // The server may drop the connection; either way the crash happened.
        }

        Assert.True(File.Exists(Path.Combine(server.DataDirectory, "images", sha + ".bin")));
        using (var before = await server.Admin.GetAsync($"/api/firmware/{sha}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);
        }

        await server.RestartAsync();

        var info = await server.Admin.GetFromJsonAsync<FirmwareInfo>($"/api/firmware/{sha}");
        Assert.Equal(("reconcile", "1.0.0", image.LongLength), (info!.Project, info.Version, info.Size));
        Assert.Equal(1, server.Services.GetRequiredService<FirmwareStartup>().LastReconcile!.Adopted);
    }

    [Fact]
    public async Task FileWhoseBytesDoNotMatchItsName_IsRemovedAtRestart()
    {
        await using var server = await OtaTestServer.StartAsync();
        string liar = Path.Combine(server.DataDirectory, "images", new string('a', 64) + ".bin");
        string garbage = Path.Combine(server.DataDirectory, "images", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(new byte[100])) + ".bin");
        string foreign = Path.Combine(server.DataDirectory, "images", "README.txt");
        await File.WriteAllBytesAsync(liar, TestFirmware.Build("liar", "1.0.0"));
        await File.WriteAllBytesAsync(garbage, new byte[100]); // hashes to its name, but is no app image
        await File.WriteAllTextAsync(foreign, "not ours");

        await server.RestartAsync();

        Assert.False(File.Exists(liar));
        Assert.False(File.Exists(garbage));
        Assert.True(File.Exists(foreign));
        Assert.Empty((await server.Admin.GetFromJsonAsync<FirmwareInfo[]>("/api/firmware"))!);
        Assert.Equal(2, server.Services.GetRequiredService<FirmwareStartup>().LastReconcile!.Removed);
    }

    [Fact]
    public async Task RowWithoutFile_IsReportedAtRestart()
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = TestFirmware.Build("lost", "1.0.0");
        using var created = await server.UploadAsync(image);
        var info = await created.Content.ReadFromJsonAsync<FirmwareInfo>();
        File.Delete(Path.Combine(server.DataDirectory, "images", info!.Sha256 + ".bin"));

        await server.RestartAsync();

        Assert.Equal([info.Sha256], server.Services.GetRequiredService<FirmwareStartup>().LastReconcile!.MissingFiles);
        Assert.Contains(server.Logs, l => l.Level == LogLevel.Warning && l.Message.Contains(info.Sha256, StringComparison.Ordinal) && l.Message.Contains("no file", StringComparison.Ordinal));
    }
}

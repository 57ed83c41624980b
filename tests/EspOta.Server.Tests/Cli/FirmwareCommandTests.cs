using System.Text.Json;
using EspOta.Cli;
using EspOta.Tests;

namespace EspOta.Server.Tests.Cli;

public sealed class FirmwareCommandTests
{
    [Fact]
    public async Task Add_ValidImage_UploadsAndPrintsJson()
    {
        await using var server = await OtaTestServer.StartAsync();
        var output = new StringWriter();
        var error = new StringWriter();

        int exit = await Task.Run(() => CliRunner.Run(
            ["firmware", "add", Vectors.PathOf("images", VectorImages.App + ".bin"), "--server", server.BaseAddress.ToString(), "--api-key", OtaTestServer.ApiKey, "--json"],
            output,
            error));

        Assert.Equal(ExitCodes.Ok, exit);
        using var json = JsonDocument.Parse(output.ToString());
        var info = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal(VectorImages.Facts(VectorImages.App).GetProperty("file_sha256").GetString(), info.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Add_Bootloader_Exits1WithTheServersReason()
    {
        await using var server = await OtaTestServer.StartAsync();
        var error = new StringWriter();

        int exit = await Task.Run(() => CliRunner.Run(
            ["firmware", "add", Vectors.PathOf("images", VectorImages.Bootloader + ".bin"), "--server", server.BaseAddress.ToString(), "--api-key", OtaTestServer.ApiKey],
            new StringWriter(),
            error));

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Contains("422", error.ToString()[..Math.Min(600, error.ToString().Length)].Replace("esp-ota", "xx"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_WrongApiKey_Exits1()
    {
        await using var server = await OtaTestServer.StartAsync();

        int exit = await Task.Run(() => CliRunner.Run(
            ["firmware", "add", Vectors.PathOf("images", VectorImages.App + ".bin"), "--server", server.BaseAddress.ToString(), "--api-key", "wrong"],
            new StringWriter(),
            new StringWriter()));

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Empty(Directory.GetFiles(Path.Combine(server.DataDirectory, "images")));
    }

    [Fact]
    public async Task List_AfterAdd_ShowsTheImage()
    {
        await using var server = await OtaTestServer.StartAsync();
        (await server.UploadAsync(VectorImages.Bytes(VectorImages.Template))).Dispose();
        var output = new StringWriter();

        int exit = await Task.Run(() => CliRunner.Run(
            ["firmware", "list", "--server", server.BaseAddress.ToString(), "--api-key", OtaTestServer.ApiKey],
            output,
            new StringWriter()));

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("app-template", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_WithoutApiKey_ExitsWithUsage()
    {
        Environment.SetEnvironmentVariable("ESP_OTA_API_KEY", null);

        int exit = CliRunner.Run(["serve", "--data", Path.GetTempPath()], new StringWriter(), new StringWriter());

        Assert.Equal(ExitCodes.Usage, exit);
    }
}

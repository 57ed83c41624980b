using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EspOta.Server.Firmware;

namespace EspOta.Server.Tests.Firmware;

public sealed class FirmwareEndpointsTests
{
    [Fact]
    public async Task Upload_ValidAppImage_Returns201WithEsptoolFacts()
    {
        await using var server = await OtaTestServer.StartAsync();
        var facts = VectorImages.Facts(VectorImages.App);
        var appDesc = facts.GetProperty("app_desc");

        using var response = await server.UploadAsync(VectorImages.Bytes(VectorImages.App));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var info = await response.Content.ReadFromJsonAsync<FirmwareInfo>();
        Assert.NotNull(info);
        Assert.Equal(facts.GetProperty("file_sha256").GetString(), info.Sha256);
        Assert.Equal(facts.GetProperty("file_size").GetInt64(), info.Size);
        Assert.Equal(facts.GetProperty("chip").GetString(), info.Chip);
        Assert.Equal(appDesc.GetProperty("project_name").GetString(), info.Project);
        Assert.Equal(appDesc.GetProperty("version").GetString(), info.Version);
        Assert.Equal(appDesc.GetProperty("secure_version").GetUInt32(), info.SecureVersion);
        Assert.Equal(appDesc.GetProperty("idf_ver").GetString(), info.IdfVersion);
        Assert.Equal(new Uri(server.BaseAddress, $"/api/firmware/{info.Sha256}"), new Uri(server.BaseAddress, response.Headers.Location!));
        Assert.True(File.Exists(Path.Combine(server.DataDirectory, "images", info.Sha256 + ".bin")));
    }

    [Fact]
    public async Task Upload_WrongMagic_Returns422InvalidImage()
    {
        await using var server = await OtaTestServer.StartAsync();

        using var response = await server.UploadAsync(VectorImages.Bytes(VectorImages.WrongMagic));

        await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, ProblemTypes.InvalidImage);
        Assert.Empty(Directory.GetFiles(Path.Combine(server.DataDirectory, "images")));
        Assert.Empty(Directory.GetFiles(Path.Combine(server.DataDirectory, "tmp")));
    }

    [Fact]
    public async Task Upload_FlippedSegmentByte_Returns422InvalidImage()
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = VectorImages.Bytes(VectorImages.App);
        image[0x1000] ^= 0x01; // inside segment 0's data: the checksum and the appended SHA-256 no longer match

        using var response = await server.UploadAsync(image);

        await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, ProblemTypes.InvalidImage);
    }

    [Fact]
    public async Task Upload_UnknownChipId_Returns422UnknownChip()
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = VectorImages.Bytes(VectorImages.App);
        image[12] = 0x77; // extended header chip id (u16 at offset 12) = 0x7777, no chip has it
        image[13] = 0x77;

        using var response = await server.UploadAsync(image);

        await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, ProblemTypes.UnknownChip);
    }

    [Fact]
    public async Task Upload_Bootloader_Returns422NoAppDescription()
    {
        await using var server = await OtaTestServer.StartAsync();

        using var response = await server.UploadAsync(VectorImages.Bytes(VectorImages.Bootloader));

        await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, ProblemTypes.NoAppDescription);
    }

    [Fact]
    public async Task Upload_SameImageTwice_Returns409()
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = VectorImages.Bytes(VectorImages.App);
        using var first = await server.UploadAsync(image);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        using var second = await server.UploadAsync(image);

        await AssertProblemAsync(second, HttpStatusCode.Conflict, ProblemTypes.DuplicateFirmware);
        using var list = await server.Admin.GetFromJsonAsync<JsonDocument>("/api/firmware");
        Assert.Equal(1, list!.RootElement.GetArrayLength());
    }

    [Fact]
    public async Task Upload_SameProjectVersionChipOtherBytes_Returns409AndKeepsTheFirst()
    {
        await using var server = await OtaTestServer.StartAsync();
        using var first = await server.UploadAsync(TestFirmware.Build("fleet-app", "1.0.0", seed: 1));
        var info = await first.Content.ReadFromJsonAsync<FirmwareInfo>();

        using var second = await server.UploadAsync(TestFirmware.Build("fleet-app", "1.0.0", seed: 2));

        await AssertProblemAsync(second, HttpStatusCode.Conflict, ProblemTypes.DuplicateFirmware);
        Assert.Equal([info!.Sha256 + ".bin"], Directory.GetFiles(Path.Combine(server.DataDirectory, "images")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Upload_SameImageConcurrently_OneCreatedOthersConflictOneFile()
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = VectorImages.Bytes(VectorImages.App);

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => server.UploadAsync(image)));
        var codes = responses.Select(r => r.StatusCode).ToList();
        foreach (var response in responses)
        {
            response.Dispose();
        }

        Assert.Equal(1, codes.Count(c => c == HttpStatusCode.Created));
        Assert.Equal(3, codes.Count(c => c == HttpStatusCode.Conflict));
        Assert.Single(Directory.GetFiles(Path.Combine(server.DataDirectory, "images")));
        Assert.Empty(Directory.GetFiles(Path.Combine(server.DataDirectory, "tmp")));
    }

    [Fact]
    public async Task Start_StaleUploadInTmp_IsDeleted()
    {
        await using var server = await OtaTestServer.StartAsync();
        string stale = Path.Combine(server.DataDirectory, "tmp", "0123456789abcdef.upload");
        await File.WriteAllBytesAsync(stale, new byte[100]);

        await server.RestartAsync();

        Assert.False(File.Exists(stale));
    }

    [Fact]
    public async Task Upload_WithoutApiKey_Returns401AndStoresNothing()
    {
        await using var server = await OtaTestServer.StartAsync();

        using var response = await server.UploadAsync(VectorImages.Bytes(VectorImages.App), server.Device);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        Assert.Empty(Directory.GetFiles(Path.Combine(server.DataDirectory, "images")));
    }

    [Fact]
    public async Task Upload_WrongApiKey_Returns401()
    {
        await using var server = await OtaTestServer.StartAsync();
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.Add("X-Api-Key", OtaTestServer.ApiKey + "x");

        using var response = await server.UploadAsync(VectorImages.Bytes(VectorImages.App), client);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
    }

    [Fact]
    public async Task Upload_LargerThanLimit_Returns413()
    {
        await using var server = await OtaTestServer.StartAsync(o => o.MaxImageSize = 4096);

        using var response = await server.UploadAsync(VectorImages.Bytes(VectorImages.App));

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, ProblemTypes.TooLarge);
        Assert.Empty(Directory.GetFiles(Path.Combine(server.DataDirectory, "tmp")));
    }

    [Fact]
    public async Task Upload_LargerThanLimitWithoutContentLength_Returns413()
    {
        await using var server = await OtaTestServer.StartAsync(o => o.MaxImageSize = 4096);
        using var content = new StreamContent(new MemoryStream(VectorImages.Bytes(VectorImages.App)));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/firmware") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await server.Admin.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, ProblemTypes.TooLarge);
    }

    [Fact]
    public async Task Upload_EmptyBody_Returns400()
    {
        await using var server = await OtaTestServer.StartAsync();

        using var response = await server.UploadAsync([]);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.EmptyBody);
    }

    [Fact]
    public async Task List_TwoImages_ReturnsBothInUploadOrderAndFiltersByProject()
    {
        await using var server = await OtaTestServer.StartAsync();
        (await server.UploadAsync(VectorImages.Bytes(VectorImages.App))).Dispose();
        (await server.UploadAsync(VectorImages.Bytes(VectorImages.Template))).Dispose();

        var all = await server.Admin.GetFromJsonAsync<FirmwareInfo[]>("/api/firmware");
        var template = await server.Admin.GetFromJsonAsync<FirmwareInfo[]>("/api/firmware?project=app-template");

        Assert.Equal(["ota-vector-app", "app-template"], all!.Select(f => f.Project));
        Assert.Equal("app-template", Assert.Single(template!).Project);
    }

    [Fact]
    public async Task List_WithoutApiKey_Returns401()
    {
        await using var server = await OtaTestServer.StartAsync();

        using var response = await server.Device.GetAsync("/api/firmware");

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
    }

    [Fact]
    public async Task Get_UppercaseSha_ReturnsTheFirmware()
    {
        await using var server = await OtaTestServer.StartAsync();
        (await server.UploadAsync(VectorImages.Bytes(VectorImages.App))).Dispose();
        string sha = VectorImages.Facts(VectorImages.App).GetProperty("file_sha256").GetString()!;

        var info = await server.Admin.GetFromJsonAsync<FirmwareInfo>($"/api/firmware/{sha.ToUpperInvariant()}");

        Assert.Equal(sha, info!.Sha256);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("zz00000000000000000000000000000000000000000000000000000000000000")]
    public async Task Get_MalformedSha_Returns400(string sha)
    {
        await using var server = await OtaTestServer.StartAsync();

        using var response = await server.Admin.GetAsync($"/api/firmware/{sha}");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.BadId);
    }

    [Fact]
    public async Task Get_UnknownSha_Returns404()
    {
        await using var server = await OtaTestServer.StartAsync();

        using var response = await server.Admin.GetAsync($"/api/firmware/{new string('0', 64)}");

        await AssertProblemAsync(response, HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }

    internal static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        Assert.True(status == response.StatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = await response.Content.ReadFromJsonAsync<JsonDocument>();
        Assert.Equal(type, problem!.RootElement.GetProperty("type").GetString());
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
    }
}

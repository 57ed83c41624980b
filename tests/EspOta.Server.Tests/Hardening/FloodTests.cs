using System.Net;
using System.Net.Http.Json;
using EspOta.Http;
using Microsoft.Data.Sqlite;

namespace EspOta.Server.Tests.Hardening;

/// <summary>
/// Issue 16 item 2's bounded flood: unauthenticated checks and reports under new device ids with the
/// longest strings allowed and longer. The database grows by at most the documented cost per accepted
/// request (docs/storage.md: 2 KiB) and the server's memory stays flat. The heap is the process's, so
/// the test runs alone (another test's server would count towards it).
/// </summary>
[Collection(AloneInProcess.Name)]
public sealed class FloodTests
{
    private const int CostPerAcceptedRequest = 2048;

    [Fact]
    public async Task Flood_NewIdsAndLongStrings_GrowthBoundedByDocumentedCost_MemoryFlat()
    {
        await using var server = await OtaTestServer.StartAsync(o => o.DeviceRequestsPerSecond = 0);
        string db = Path.Combine(server.DataDirectory, "esp-ota.db");
        string name = new('n', 64), reason = new('r', 256);
        long baseline = Checkpointed(db);

        async Task<(int Accepted, int Refused)> RoundAsync(int round, int count)
        {
            int accepted = 0, refused = 0;
            var batch = Enumerable.Range(0, count).Select(async i =>
            {
                string id = $"flood-{round}-{i}";
                HttpResponseMessage response = (i % 3) switch
                {
                    0 => await server.CheckAsync(new UpdateCheckRequest(id, name, name, name, 0)),
                    1 => await server.Device.PostAsJsonAsync($"/api/devices/{id}/reports", new DeviceReport(DeviceReportKind.Failed, name, null, reason, name, name, name)),
                    _ => await server.Device.PostAsJsonAsync($"/api/devices/{id}/reports", new DeviceReport(DeviceReportKind.Failed, Reason: new string('x', 15_000))),
                };
                using (response)
                {
                    if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.NoContent)
                    {
                        Interlocked.Increment(ref accepted);
                    }
                    else
                    {
                        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
                        Interlocked.Increment(ref refused);
                    }
                }
            });
            await Task.WhenAll(batch);
            return (accepted, refused);
        }

        // Warm up, then measure the heap over ten times as many requests.
        var warm = await RoundAsync(0, 300);

        // The test host keeps every log line it captured (Information level: several per request);
        // that is the test's memory, not the server's, so it is dropped before each measurement.
        server.Logs.Clear();
        long heapBefore = Heap();
        int accepted = warm.Accepted, refused = warm.Refused;
        for (int round = 1; round <= 10; round++)
        {
            var (a, r) = await RoundAsync(round, 300);
            accepted += a;
            refused += r;
        }

        server.Logs.Clear();
        long heapAfter = Heap();
        long growth = Checkpointed(db) - baseline;

        Console.WriteLine($"flood: {accepted} accepted, {refused} refused, database +{growth / 1024} KiB ({(double)growth / accepted:0} B per accepted request), heap {heapBefore / 1024} KiB -> {heapAfter / 1024} KiB");
        Assert.Equal(3300, accepted + refused);
        Assert.Equal(1100, refused);
        Assert.InRange(growth, 0, (long)accepted * CostPerAcceptedRequest);
        Assert.InRange(heapAfter - heapBefore, long.MinValue, 16L << 20);
    }

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>The database file's size with the WAL folded in.</summary>
    private static long Checkpointed(string path)
    {
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            command.ExecuteNonQuery();
        }

        return new FileInfo(path).Length + (File.Exists(path + "-wal") ? new FileInfo(path + "-wal").Length : 0);
    }
}

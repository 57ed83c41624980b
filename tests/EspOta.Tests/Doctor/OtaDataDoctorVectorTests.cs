using System.IO.Compression;
using System.Text.Json;
using EspOta.Boot;
using EspOta.Doctor;
using EspOta.Flash;
using EspOta.OtaData;
using EspOta.Partitions;
using EspOta.Tests.Boot;
using Xunit.Abstractions;

namespace EspOta.Tests.Doctor;

/// <summary>
/// The doctor on every otadata state the vectors hold (each scenario's start and the otadata after each
/// of its operations): its reasoning and a real boot agree with rollback off and on, the boot ESP-IDF
/// recorded is the one it predicts, and a repair always makes the chosen verified slot boot.
/// </summary>
public sealed class OtaDataDoctorVectorTests(ITestOutputHelper output)
{
    private const uint TableOffset = 0x8000;

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(Vectors.PathOf("otadata"), "*.jsonl.gz").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(path));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Diagnose_EveryVectorState_ExplanationAndBootAgree(string file)
    {
        int states = 0, recorded = 0, repairs = 0;
        var seen = new HashSet<string>();
        foreach (var scenario in Scenarios(file))
        {
            var (flash, table) = StartFlash(scenario);
            var otaData = table.FindFirst(PartitionType.Data, PartitionSubtypes.DataOta);
            if (otaData is null)
            {
                continue;
            }

            var config = scenario.GetProperty("config");
            bool rollback = config.GetProperty("rollback").GetBoolean();
            bool antiRollback = config.GetProperty("anti_rollback").GetBoolean();
            string start = scenario.GetProperty("initial_otadata_hex_sector0_first32").GetString()! + scenario.GetProperty("initial_otadata_hex_sector1_first32").GetString()!;
            var firstOp = scenario.GetProperty("ops").EnumerateArray().FirstOrDefault();

            var diagnosis = Check(flash, scenario.GetProperty("id").GetString()!);
            states++;
            seen.Add(start);

            // The first reboot of a scenario ran ESP-IDF's real bootloader on exactly this state.
            if (!antiRollback && firstOp.ValueKind == JsonValueKind.Object && firstOp.GetProperty("op").GetString() == "reboot"
                && firstOp.GetProperty("result").TryGetProperty("booted", out var booted))
            {
                var prediction = rollback ? diagnosis.RollbackOn : diagnosis.RollbackOff;
                string? expected = booted.ValueKind == JsonValueKind.Null ? null : booted.GetString();
                Assert.True(expected == prediction.Predicted, $"{scenario.GetProperty("id").GetString()}: ESP-IDF booted {expected ?? "nothing"}, doctor predicts {prediction.Predicted ?? "nothing"}\n{string.Join("\n", prediction.Reasons)}");
                recorded++;
            }

            // Every later otadata state (with the scenario's initial images).
            foreach (var op in scenario.GetProperty("ops").EnumerateArray())
            {
                if (!op.TryGetProperty("otadata_after", out var after) || after.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                string s0 = after.GetProperty("sector0_first32").GetString()!, s1 = after.GetProperty("sector1_first32").GetString()!;
                if (!seen.Add(s0 + s1 + scenario.GetProperty("layout").GetRawText()))
                {
                    continue;
                }

                var state = flash.Clone();
                WriteOtaData(state, otaData, s0, s1);
                Check(state, $"{scenario.GetProperty("id").GetString()} after {op.GetProperty("op").GetString()}");
                states++;
            }

            // Repair to every slot whose image verifies (every 25th state: the pairs repeat across layouts).
            if (states % 25 == 0)
            {
                repairs += CheckRepairs(flash, table);
            }
        }

        output.WriteLine($"{file}: {states} states diagnosed, {recorded} compared with ESP-IDF's recorded boot, {repairs} repairs booted");
        Assert.True(states > 0);
    }

    private static OtaDataDiagnosis Check(MemoryFlash flash, string what)
    {
        var d = OtaDataDoctor.Diagnose(flash, TableOffset, FakeImageValidator.Instance);
        foreach (var p in new[] { d.RollbackOff, d.RollbackOn })
        {
            Assert.True(p.Agrees, $"{what} (rollback {(p.Rollback ? "on" : "off")}): doctor says {p.Predicted ?? "nothing"}, bootloader booted {p.Booted ?? "nothing"}\n"
                + string.Join("\n", p.Reasons) + "\n--- bootloader:\n" + string.Join("\n", p.BootSteps));
        }

        // The hazards match the decoded copies.
        foreach (var c in d.Copies)
        {
            Assert.Equal(c.Torn, d.Hazards.Any(h => h.StartsWith($"copy {c.Copy} ", StringComparison.Ordinal) && h.Contains("torn", StringComparison.Ordinal)));
            if (!c.Torn && !c.Erased && c.Entry.State == OtaImageState.PendingVerify)
            {
                Assert.Contains(d.Hazards, h => h.StartsWith($"copy {c.Copy} ", StringComparison.Ordinal) && h.Contains("PENDING_VERIFY", StringComparison.Ordinal));
            }
        }

        if (d.ActiveCopy >= 0 && d.Copies[1 - d.ActiveCopy].Entry.IsValid && d.Copies[0].Entry.Sequence == d.Copies[1].Entry.Sequence)
        {
            Assert.Contains(d.Hazards, h => h.Contains("tie", StringComparison.Ordinal));
        }

        return d;
    }

    private static int CheckRepairs(MemoryFlash flash, PartitionTable table)
    {
        int done = 0;
        foreach (var app in table.Partitions.Where(p => p.IsApp && !p.IsTest))
        {
            if (!FakeImageValidator.Instance.Validate(flash, app).IsValid)
            {
                Assert.Equal(EspError.OtaValidateFailed,
                    Assert.Throws<EspException>(() => OtaDataDoctor.Repair(flash.Clone(), app.Label, dryRun: true, TableOffset, FakeImageValidator.Instance)).Code);
                continue;
            }

            var copy = flash.Clone();
            var plan = OtaDataDoctor.Repair(copy, app.Label, dryRun: true, TableOffset, FakeImageValidator.Instance);
            Assert.False(plan.Applied);
            Assert.Equal(flash.Contents.ToArray(), copy.Contents.ToArray());
            foreach (var change in plan.Changes)
            {
                Assert.Equal(flash.Contents.Slice((int)change.Address, change.Old.Length).ToArray(), change.Old.ToArray());
            }

            var applied = OtaDataDoctor.Repair(copy, app.Label, dryRun: false, TableOffset, FakeImageValidator.Instance);
            Assert.True(applied.Applied);
            foreach (var change in plan.Changes)
            {
                Assert.Equal(change.New.ToArray(), copy.Contents.Slice((int)change.Address, change.New.Length).ToArray());
            }

            foreach (bool rollback in new[] { false, true })
            {
                var boot = new Bootloader(copy.Clone(), new BootOptions { Rollback = rollback }, FakeImageValidator.Instance).Boot();
                Assert.True(app.Label == boot.Booted?.Label, $"repair to {app.Label} (rollback {rollback}) booted {boot.Booted?.Label ?? "nothing"}\n{string.Join("\n", boot.Steps)}");
            }

            var after = OtaDataDoctor.Diagnose(copy, TableOffset, FakeImageValidator.Instance);
            Assert.DoesNotContain(after.Hazards, h => h.Contains("tie", StringComparison.Ordinal));
            done++;
        }

        return done;
    }

    private static IEnumerable<JsonElement> Scenarios(string file)
    {
        using var stream = new GZipStream(File.OpenRead(Vectors.PathOf("otadata", file)), CompressionMode.Decompress);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                using var doc = JsonDocument.Parse(line);
                yield return doc.RootElement.Clone();
            }
        }
    }

    private static (MemoryFlash Flash, PartitionTable Table) StartFlash(JsonElement scenario)
    {
        var partitions = scenario.GetProperty("layout").GetProperty("partitions").EnumerateArray().Select(p => new Partition(
            p.GetProperty("name").GetString()!,
            (PartitionType)p.GetProperty("type").GetByte(),
            p.GetProperty("subtype").GetByte(),
            p.GetProperty("offset").GetUInt32(),
            p.GetProperty("size").GetUInt32())).ToList();
        var table = new PartitionTable(partitions, hasMd5: true);
        long end = Math.Max(partitions.Max(p => p.End), TableOffset + 0x1000);
        var flash = new MemoryFlash((end + 0xFFFF) / 0x10000 * 0x10000);
        flash.Write(TableOffset, table.ToBinary());
        if (table.FindFirst(PartitionType.Data, PartitionSubtypes.DataOta) is { } otaData)
        {
            WriteOtaData(flash, otaData, scenario.GetProperty("initial_otadata_hex_sector0_first32").GetString()!, scenario.GetProperty("initial_otadata_hex_sector1_first32").GetString()!);
        }

        foreach (var image in scenario.GetProperty("initial_images").EnumerateArray())
        {
            string kind = image.GetProperty("kind").GetString()!;
            if (kind != "erased")
            {
                var partition = table.FindFirst(label: image.GetProperty("partition").GetString()!)!;
                flash.Write(partition.Offset, FakeImageValidator.Build(kind, image.GetProperty("secure_version").GetUInt32(), image.GetProperty("tag").GetString()!));
            }
        }

        return (flash, table);
    }

    private static void WriteOtaData(MemoryFlash flash, Partition otaData, string sector0, string sector1)
    {
        flash.Erase(otaData.Offset, 0x2000);
        flash.Write(otaData.Offset, Convert.FromHexString(sector0));
        flash.Write(otaData.Offset + 0x1000, Convert.FromHexString(sector1));
    }
}

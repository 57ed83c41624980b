using EspOta.Delta;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Payloads;
using EspOta.Simulation;

namespace EspOta.Tests.Payloads;

/// <summary>The patching stage refuses a patch for another base before it produces a byte, and only resumes from its own state.</summary>
public sealed class PatchingPayloadStageTests
{
    private const long SlotSize = 0x40000;

    private static byte[] Image(string version) =>
        new AppImageBuilder(Chip.Esp32).WithProject("stage").WithVersion(version).WithPayload(50_000, seed: 3).Build();

    [Fact]
    public void Push_HeaderForAnotherBase_IsRefusedBeforeAnyOutput()
    {
        var v1 = Image("1.0.0");
        var other = Image("0.9.0");
        var flash = MemoryFlash.FromImage(SimulatedDeviceFlash.Build(v1, SlotSize));
        var factory = SimulatedDeviceFlash.Layout(v1.Length, SlotSize).Partitions.Single(p => p.Label == "factory");
        var patch = DeltaPatchCreator.Create(other, Image("2.0.0"));
        var stage = new PatchingPayloadStage(flash, factory, new string('0', 64));

        var ex = Assert.Throws<DeltaHeaderException>(() => stage.Push(patch.AsSpan(0, 100)));

        Assert.Equal(DeltaHeaderProblem.BaseMismatch, ex.Problem);
        Assert.Equal(EspError.Fail, ex.Code);
        Assert.Equal(0, stage.ImageLength);
        Assert.True(stage.ImageHead.IsEmpty);
    }

    [Fact]
    public void Push_HeaderWithBadMagic_IsRefused()
    {
        var v1 = Image("1.0.0");
        var flash = MemoryFlash.FromImage(SimulatedDeviceFlash.Build(v1, SlotSize));
        var factory = SimulatedDeviceFlash.Layout(v1.Length, SlotSize).Partitions.Single(p => p.Label == "factory");
        var patch = DeltaPatchCreator.Create(v1, Image("2.0.0"));
        patch[0] ^= 1;
        var stage = new PatchingPayloadStage(flash, factory, new string('0', 64));

        foreach (byte b in patch.AsSpan(0, DeltaOtaHeader.Size - 1))
        {
            stage.Push([b]);
        }

        Assert.Equal(DeltaHeaderProblem.BadMagic, Assert.Throws<DeltaHeaderException>(() => stage.Push(patch.AsSpan(DeltaOtaHeader.Size - 1, 1))).Problem);
    }

    [Fact]
    public void Push_GoodPatch_HoldsTheImageHeadUntilAttached()
    {
        var v1 = Image("1.0.0");
        var v2 = Image("2.0.0");
        var flash = MemoryFlash.FromImage(SimulatedDeviceFlash.Build(v1, SlotSize));
        var factory = SimulatedDeviceFlash.Layout(v1.Length, SlotSize).Partitions.Single(p => p.Label == "factory");
        var patch = DeltaPatchCreator.Create(v1, v2);
        var stage = new PatchingPayloadStage(flash, factory, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(v2)));

        int at = 0;
        while (stage.ImageHead.Length < PayloadHead.Size && at < patch.Length)
        {
            stage.Push(patch.AsSpan(at++, 1));
        }

        Assert.Equal(v2.AsSpan(0, PayloadHead.Size).ToArray(), stage.ImageHead.Span[..PayloadHead.Size].ToArray());
        Assert.False(stage.ImageIsBody);
        Assert.Equal(at, stage.BodyOffset);
    }

    [Fact]
    public void Restore_ForeignState_IsInvalidArg()
    {
        var v1 = Image("1.0.0");
        var flash = MemoryFlash.FromImage(SimulatedDeviceFlash.Build(v1, SlotSize));
        var factory = SimulatedDeviceFlash.Layout(v1.Length, SlotSize).Partitions.Single(p => p.Label == "factory");
        var stage = new PatchingPayloadStage(flash, factory, new string('0', 64));

        var ex = Assert.Throws<EspException>(() => stage.Restore(new PayloadCheckpoint(5000, 4096, [1, 2, 3, 4, 5, 6, 7, 8])));
        Assert.Equal(EspError.InvalidArg, ex.Code);
        Assert.Equal(EspError.InvalidArg, Assert.Throws<EspException>(() => new PatchingPayloadStage(flash, factory, new string('0', 64)).Restore(new PayloadCheckpoint(5000, 4096))).Code);
    }
}

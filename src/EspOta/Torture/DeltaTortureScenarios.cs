using System.Collections.Concurrent;
using EspOta.Delta;
using EspOta.Payloads;
using EspOta.Updates;

namespace EspOta.Torture;

/// <summary>
/// Delta OTA under power loss (issue 12): app-1 is made from the running app-0 by an esp_delta_ota
/// patch applied into the OTA session, whole or resumed after a reset from the applier's saved state.
/// The clean run checks that the base partition is byte for byte untouched; the sweep checks that every
/// cut boots a good app.
/// </summary>
public static class DeltaTortureScenarios
{
    private const int FeedSize = 1024;
    private static readonly ConcurrentDictionary<long, byte[]> Patches = new();

    /// <summary>A delta install in one go.</summary>
    public static TortureScenario DeltaOta { get; } = new(
        "delta-ota",
        "app-0 runs from ota_0; an esp_delta_ota patch app-0 -> app-1 is applied into ota_1 (sequential erase), end, set boot, reboot, mark valid",
        TortureScenarios.InitialApp,
        s =>
        {
            Apply(s, resume: false);
            s.Boot();
            s.MarkValid();
        });

    /// <summary>A delta install interrupted half-way by a reset and resumed from the saved applier state.</summary>
    public static TortureScenario DeltaOtaResume { get; } = new(
        "delta-ota-resume",
        "as delta-ota, but reset half-way through the patch; resume the session and the applier from its saved state, finish, reboot, mark valid",
        TortureScenarios.InitialApp,
        s =>
        {
            Apply(s, resume: true);
            s.Boot();
            s.MarkValid();
        });

    private static void Apply(TortureSession s, bool resume)
    {
        var running = s.Ota.GetRunningPartition();
        var baseImage = s.Image("app-0");
        var patch = Patches.GetOrAdd(s.ImageSize, _ => DeltaPatchCreator.Create(baseImage.Span, s.Image("app-1").Span));

        // Before anything is erased: the header must name the running image.
        DeltaOtaHeader.Read(patch).Verify(PatchingPayloadStage.RunningImageSha256(s.Device.Flash, running));
        var source = new FlashDeltaBase(s.Device.Flash, running);
        var target = new SessionTarget();
        var applier = new DeltaApplier(source, target, DeltaApplyProfile.EspDeltaOta);
        int at = DeltaOtaHeader.Size;
        int half = DeltaOtaHeader.Size + ((patch.Length - DeltaOtaHeader.Size) / 2);
        s.Begin("app-1", OtaImageSize.SequentialWrites);
        if (resume)
        {
            s.WriteUsing("delta: apply first half (esp_ota_write)", update => Feed(applier, target, update, patch, ref at, half));
            byte[] saved = applier.SaveState();
            s.InterruptDownload();
            s.Resume();
            applier = DeltaApplier.Restore(saved, new FlashDeltaBase(s.Device.Flash, running), target);
        }

        s.WriteUsing("delta: apply (esp_ota_write)", update =>
        {
            Feed(applier, target, update, patch, ref at, patch.Length);
            applier.Finalize();
        });

        var now = new byte[baseImage.Length];
        s.Device.Flash.Read(running.Offset, now);
        if (!now.AsSpan().SequenceEqual(baseImage.Span))
        {
            throw new InvalidOperationException($"the delta install wrote the base partition {running.Label}");
        }

        s.End();
        s.SetBoot();
    }

    private static void Feed(DeltaApplier applier, SessionTarget target, OtaUpdate update, byte[] patch, ref int at, int end)
    {
        target.Update = update;
        while (at < end)
        {
            int n = Math.Min(FeedSize, end - at);
            applier.Process(patch.AsSpan(at, n));
            at += n;
        }
    }

    private sealed class SessionTarget : IDeltaTarget
    {
        public OtaUpdate? Update { get; set; }

        public void Write(ReadOnlySpan<byte> data) => (Update ?? throw new InvalidOperationException("no OTA session")).Write(data);
    }
}

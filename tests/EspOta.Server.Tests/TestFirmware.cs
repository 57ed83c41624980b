using EspOta.Images;

namespace EspOta.Server.Tests;

/// <summary>App images made with <see cref="AppImageBuilder"/> for scenarios the vectors do not cover (several versions of one project).</summary>
internal static class TestFirmware
{
    public static byte[] Build(string project, string version, uint secureVersion = 0, Chip? chip = null, int payload = 4096, ulong seed = 1) =>
        new AppImageBuilder(chip ?? Chip.Esp32)
            .WithProject(project)
            .WithVersion(version)
            .WithSecureVersion(secureVersion)
            .WithPayload(payload, seed)
            .Build();
}

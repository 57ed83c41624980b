namespace EspOta.Server.Tests.Hardening;

/// <summary>
/// Tests that measure the whole process (its managed heap) run with no other test of this assembly
/// beside them: a server another test starts in parallel would count towards their figure.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneInProcess
{
    /// <summary>The collection's name, for <c>[Collection]</c>.</summary>
    public const string Name = "alone in the process";
}

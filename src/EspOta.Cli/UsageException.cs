namespace EspOta.Cli;

/// <summary>The command line is wrong in a way the parser cannot see (exit code 2).</summary>
public sealed class UsageException(string message) : Exception(message);

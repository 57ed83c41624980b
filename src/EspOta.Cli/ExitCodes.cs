namespace EspOta.Cli;

/// <summary>The exit codes of <c>esp-ota</c>.</summary>
public static class ExitCodes
{
    /// <summary>Everything was fine.</summary>
    public const int Ok = 0;

    /// <summary>A failure was found: invalid input, invalid image, a failed OTA step.</summary>
    public const int Failure = 1;

    /// <summary>The command line was wrong.</summary>
    public const int Usage = 2;
}

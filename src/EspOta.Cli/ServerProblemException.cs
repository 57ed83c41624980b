namespace EspOta.Cli;

/// <summary>The update server refused a request; the message carries its status and problem details.</summary>
public sealed class ServerProblemException(int statusCode, string message) : Exception(message)
{
    /// <summary>The HTTP status the server answered with.</summary>
    public int StatusCode { get; } = statusCode;
}

namespace EspOta.Server;

/// <summary>The client stalled, disconnected or cut its request body short: its fault, not the server's.</summary>
internal sealed class ClientBodyException(int statusCode, string message) : Exception(message)
{
    /// <summary>408 for a stall, 400 otherwise.</summary>
    public int StatusCode { get; } = statusCode;
}

using System.Security.Cryptography;
using System.Text;
using EspOta.Server.Devices;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EspOta.Server.Security;

/// <summary>
/// Device enrolment (issue 16): a device that holds a server-issued token must present it in
/// <see cref="HeaderName"/>; with <see cref="EspOtaServerOptions.RequireEnrollment"/> every device must,
/// so unknown devices cannot create rows.
/// </summary>
internal static class DeviceAuthentication
{
    public const string HeaderName = "X-Device-Token";

    /// <summary>A new random token (256 bits, base64url).</summary>
    public static string NewToken() => Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    public static string HashOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>
    /// Null problem and <c>FromDevice</c> true when the request carries the device's token; null
    /// problem and false when the device is not enrolled and enrolment is optional; a 401 otherwise.
    /// </summary>
    public static async Task<(bool FromDevice, ProblemHttpResult? Problem)> AuthenticateAsync(
        HttpRequest request, string deviceId, IDeviceStore devices, EspOtaServerOptions options, CancellationToken cancellationToken)
    {
        var presented = request.Headers[HeaderName];
        string? stored = await devices.GetTokenSha256Async(deviceId, cancellationToken).ConfigureAwait(false);
        if (stored is null && !options.RequireEnrollment)
        {
            return (false, null);
        }

        if (stored is not null && presented.Count == 1 && presented[0] is { Length: > 0 } token
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(HashOf(token)), Encoding.ASCII.GetBytes(stored)))
        {
            return (true, null);
        }

        return (false, Problems.Of(
            StatusCodes.Status401Unauthorized,
            ProblemTypes.DeviceTokenRequired,
            "Device token required",
            $"this device must send its enrolment token in the {HeaderName} header"));
    }

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

using System.Security.Cryptography;
using System.Text;
using EspOta.Server.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace EspOta.Server.Dashboard;

/// <summary>
/// The dashboard's login: the API key, given once on the login page, becomes an HttpOnly,
/// SameSite=Strict cookie holding an HMAC of the key (never the key itself); the X-Api-Key header
/// works too (scripts, tests). Pages without either redirect to the login page, data and actions answer 401.
/// </summary>
internal sealed class DashboardAuth(IOptions<EspOtaServerOptions> options) : IEndpointFilter
{
    public const string CookieName = "esp_ota_dashboard";

    private readonly byte[] _key = Encoding.UTF8.GetBytes(options.Value.ApiKey);

    /// <summary>The cookie value a correct key earns.</summary>
    public string Token => Convert.ToHexStringLower(HMACSHA256.HashData(_key, "esp-ota dashboard session v1"u8));

    public bool IsKey(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _key);

    public bool IsAuthenticated(HttpContext context)
    {
        var header = context.Request.Headers[ApiKeyEndpointFilter.HeaderName];
        if (header.Count == 1 && IsKey(header[0]))
        {
            return true;
        }

        return context.Request.Cookies.TryGetValue(CookieName, out var cookie)
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(cookie), Encoding.ASCII.GetBytes(Token));
    }

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (IsAuthenticated(http))
        {
            return next(context);
        }

        if (HttpMethods.IsGet(http.Request.Method))
        {
            string back = http.Request.Path + http.Request.QueryString;
            return ValueTask.FromResult<object?>(TypedResults.Redirect("/dashboard/login?return=" + Uri.EscapeDataString(back)));
        }

        return ValueTask.FromResult<object?>(Problems.Of(
            StatusCodes.Status401Unauthorized,
            ProblemTypes.Unauthorized,
            "Login required",
            $"log in at /dashboard/login or send the API key in the {ApiKeyEndpointFilter.HeaderName} header"));
    }
}

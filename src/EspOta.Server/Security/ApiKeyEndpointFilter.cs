using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace EspOta.Server.Security;

/// <summary>Lets a request through only with the configured key in <see cref="HeaderName"/>.</summary>
internal sealed class ApiKeyEndpointFilter(IOptions<EspOtaServerOptions> options) : IEndpointFilter
{
    public const string HeaderName = "X-Api-Key";

    private readonly byte[] _key = Encoding.UTF8.GetBytes(options.Value.ApiKey);

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var presented = context.HttpContext.Request.Headers[HeaderName];
        if (presented.Count == 1 && presented[0] is { } value
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(value), _key))
        {
            return next(context);
        }

        return ValueTask.FromResult<object?>(Problems.Of(
            StatusCodes.Status401Unauthorized,
            ProblemTypes.Unauthorized,
            "API key required",
            $"this endpoint needs the server's API key in the {HeaderName} header"));
    }
}

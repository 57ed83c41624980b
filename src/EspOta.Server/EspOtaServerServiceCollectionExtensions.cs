using System.Globalization;
using System.Threading.RateLimiting;
using EspOta.Server.Dashboard;
using EspOta.Server.Delta;
using EspOta.Server.Devices;
using EspOta.Server.Encryption;
using EspOta.Server.Firmware;
using EspOta.Server.Operations;
using EspOta.Server.Rollouts;
using EspOta.Server.Security;
using EspOta.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EspOta.Server;

/// <summary>Registers the update server's services.</summary>
public static class EspOtaServerServiceCollectionExtensions
{
    /// <summary>The configuration section the options bind from (<c>EspOta:ApiKey</c>, env <c>EspOta__ApiKey</c>, …).</summary>
    public const string ConfigurationSection = "EspOta";

    /// <summary>Adds the firmware repository, the device store and ProblemDetails; <paramref name="configure"/> must set the data folder and API key.</summary>
    public static IServiceCollection AddEspOtaServer(this IServiceCollection services, Action<EspOtaServerOptions> configure) =>
        services.AddEspOtaServer(null, configure);

    /// <summary>
    /// Adds the server, binding <see cref="EspOtaServerOptions"/> from <paramref name="configuration"/>'s
    /// <see cref="ConfigurationSection"/> section (appsettings.json, environment variables) first and
    /// then applying <paramref name="configure"/> (command-line options).
    /// </summary>
    public static IServiceCollection AddEspOtaServer(this IServiceCollection services, IConfiguration? configuration, Action<EspOtaServerOptions>? configure)
    {
        var builder = services.AddOptions<EspOtaServerOptions>();
        if (configuration is not null)
        {
            builder.Bind(configuration.GetSection(ConfigurationSection));
        }

        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.Validate(o =>
            {
                o.Validate();
                return true;
            })
            .ValidateOnStart();
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o =>
        {
            // Source-generated metadata only, under the JIT as under native AOT (where reflection is off):
            // the reflection resolver the JIT adds by default is taken out, so a result type missing from
            // ServerJsonContext fails every test that reaches it. The framework's own contexts (problem
            // details, OpenAPI) stay in the chain.
            var chain = o.SerializerOptions.TypeInfoResolverChain;
            for (int i = chain.Count - 1; i >= 0; i--)
            {
                if (chain[i] is System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver)
                {
                    chain.RemoveAt(i);
                }
            }

            chain.Insert(0, ServerJsonContext.Default);
        });
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<ServerMetrics>();
        services.AddSingleton<PrometheusExporter>();
        services.AddOpenApi();

        // Opened (and migrated) when the host starts, by the first hosted service that needs it.
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EspOtaServerOptions>>().Value;
            Directory.CreateDirectory(options.DataDirectory);
            return OtaDatabaseFactory.Create(options);
        });
        services.AddSingleton(sp => new ImageFiles(Path.Combine(sp.GetRequiredService<IOptions<EspOtaServerOptions>>().Value.DataDirectory, "images")));

        // One store per feature, each over the shared OtaDatabase (docs/storage.md).
        services.AddSingleton<IFirmwareStore, FirmwareStore>();
        services.AddSingleton<IDeviceStore, DeviceStore>();
        services.AddSingleton<IRolloutStore, RolloutStore>();
        services.AddSingleton<IEncryptionStore, EncryptionStore>();
        services.AddSingleton<UploadEncryption>();
        services.AddSingleton<Signing.ISigningStore, Signing.SigningStore>();
        services.AddSingleton<Signing.SigningService>();
        services.AddSingleton<RolloutService>();
        services.AddHostedService<RolloutTicker>();
        services.AddSingleton<DashboardAuth>();
        services.AddSingleton<FirmwareService>();
        services.AddSingleton<FirmwareStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<FirmwareStartup>());
        services.TryAddSingleton<Updates.CurrentReleaseService>();
        services.AddSingleton<ApiKeyEndpointFilter>();
        services.AddRateLimiter(AddDeviceRateLimit);
        services.AddEspOtaDelta();
        return services;
    }

    private static void AddDeviceRateLimit(RateLimiterOptions limiter)
    {
        limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        limiter.OnRejected = async (context, cancellationToken) =>
        {
            var http = context.HttpContext;
            http.RequestServices.GetRequiredService<ServerMetrics>().Refused("rate_limited");
            if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter))
            {
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            }

            await Problems.Of(StatusCodes.Status429TooManyRequests, ProblemTypes.RateLimited, "Too many requests", "this client address sent more update checks and reports than the server allows; retry later")
                .ExecuteAsync(http).ConfigureAwait(false);
        };

        // Per client address (issue 16): one address cannot flood the device endpoints.
        limiter.AddPolicy(DeviceEndpoints.RateLimitPolicy, http =>
        {
            var options = http.RequestServices.GetRequiredService<IOptions<EspOtaServerOptions>>().Value;
            if (options.DeviceRequestsPerSecond == 0)
            {
                return RateLimitPartition.GetNoLimiter("off");
            }

            string address = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            return RateLimitPartition.GetTokenBucketLimiter(address, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = options.DeviceRequestBurst,
                TokensPerPeriod = options.DeviceRequestsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        });
    }
}

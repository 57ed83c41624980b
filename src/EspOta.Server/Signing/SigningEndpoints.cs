using EspOta.Security;
using EspOta.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace EspOta.Server.Signing;

/// <summary>The per-project signing policy (API key): <c>/api/projects/{project}/signing-keys</c> — list, trust, revoke.</summary>
public static class SigningEndpoints
{
    /// <summary>Maps the signing-key endpoints.</summary>
    public static RouteGroupBuilder MapSigning(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/projects/{project}/signing-keys").WithTags("Signing").AddEndpointFilter<ApiKeyEndpointFilter>();
        group.MapGet("/", ListAsync).WithSummary("The project's trusted and revoked Secure Boot v2 key digests (none: no signing policy)")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized);
        group.MapPost("/", AddAsync).Accepts<AddSigningKeyRequest>("application/json").DisableAntiforgery()
            .WithSummary("Trusts a key (key_digest hex or public_key_pem): 201 when new, 200 when already there; from then on uploads must be signed")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        group.MapPost("/{digest}/revoke", RevokeAsync).DisableAntiforgery()
            .WithSummary("Revokes a key: uploads signed only by it are refused, images signed only by revoked keys are no longer offered")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    /// <summary>The 422 of a refused upload, with the machine-readable reason as the <c>reason</c> member.</summary>
    internal static ProblemHttpResult Refusal(UploadSignatureVerdict verdict) => TypedResults.Problem(
        detail: verdict.Detail,
        statusCode: StatusCodes.Status422UnprocessableEntity,
        title: "Signature refused",
        type: ProblemTypes.SignatureRefused,
        extensions: new Dictionary<string, object?> { ["reason"] = verdict.Reason });

    private static async Task<Results<Ok<SigningKeyInfo[]>, ProblemHttpResult>> ListAsync(string project, SigningService signing, IOptions<EspOtaServerOptions> options, CancellationToken cancellationToken)
    {
        if (Limits.TooLong(options.Value, ("project", project, false)) is { } tooLong)
        {
            return tooLong;
        }

        var keys = await signing.Store.KeysAsync(project, cancellationToken);
        return TypedResults.Ok(keys.Select(k => k.ToInfo()).ToArray());
    }

    private static async Task<Results<Created<SigningKeyInfo>, Ok<SigningKeyInfo>, ProblemHttpResult>> AddAsync(
        string project, HttpRequest request, SigningService signing, TimeProvider time, IOptions<EspOtaServerOptions> options, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<AddSigningKeyRequest>(request, options.Value.MaxJsonBodySize, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (Limits.TooLong(options.Value, ("project", project, false), ("label", body!.Label, false)) is { } tooLong)
        {
            return tooLong;
        }

        SecureBootKeyDigest digest;
        switch (body)
        {
            case { KeyDigest: { } hex, PublicKeyPem: null }:
                if (!SecureBootKeyDigest.TryParse(hex, out var parsed))
                {
                    return BadKey("key_digest must be 64 hex digits (the SHA-256 of the public key as a signature block carries it)");
                }

                digest = parsed!;
                break;
            case { PublicKeyPem: { } pem, KeyDigest: null }:
                try
                {
                    digest = SecureBootPublicKey.FromPem(pem).Digest;
                }
                catch (SignatureException e)
                {
                    return BadKey($"public_key_pem: {e.Message}");
                }

                break;
            default:
                return Problems.Malformed("give exactly one of key_digest and public_key_pem");
        }

        var (key, added) = await signing.Store.AddKeyAsync(project, digest.Hex, body.Label, time.GetUtcNow(), cancellationToken);
        return added
            ? TypedResults.Created($"{request.PathBase}/api/projects/{Uri.EscapeDataString(project)}/signing-keys/{key.KeyDigest}", key.ToInfo())
            : TypedResults.Ok(key.ToInfo());
    }

    private static async Task<Results<Ok<SigningKeyInfo>, ProblemHttpResult>> RevokeAsync(
        string project, string digest, SigningService signing, TimeProvider time, IOptions<EspOtaServerOptions> options, CancellationToken cancellationToken)
    {
        if (Limits.TooLong(options.Value, ("project", project, false)) is { } tooLong)
        {
            return tooLong;
        }

        if (!SecureBootKeyDigest.TryParse(digest, out var parsed))
        {
            return Problems.BadId("key digest", digest);
        }

        return await signing.Store.RevokeKeyAsync(project, parsed!.Hex, time.GetUtcNow(), cancellationToken) is { } key
            ? TypedResults.Ok(key.ToInfo())
            : Problems.NotFound("signing key", $"{parsed.Hex} of project {project}");
    }

    private static ProblemHttpResult BadKey(string detail) => Problems.Of(StatusCodes.Status400BadRequest, ProblemTypes.BadSigningKey, "Unusable signing key", detail);
}

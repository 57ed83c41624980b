using EspOta.Security;
using EspOta.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace EspOta.Server.Signing;

/// <summary>The per-project signing policy: <c>/api/projects/{project}/signing-keys</c> (API key).</summary>
public static class SigningEndpoints
{
    /// <summary>Maps the signing-key endpoints.</summary>
    public static RouteGroupBuilder MapSigning(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/projects/{project}/signing-keys").WithTags("Signing").AddEndpointFilter<ApiKeyEndpointFilter>();
        group.MapGet("/", (string project, SigningPolicy policy) => TypedResults.Ok(policy.Store.Keys(project).ToArray()));
        group.MapPost("/", AddAsync);
        group.MapPost("/{digest}/revoke", RevokeAsync);
        return group;
    }

    private static async Task<Results<Ok<SigningKeyInfo>, ProblemHttpResult>> AddAsync(string project, SigningKeyRequest request, SigningPolicy policy, CancellationToken cancellationToken)
    {
        SecureBootKeyDigest digest;
        if (request.KeyDigest is { } hex)
        {
            if (!SecureBootKeyDigest.TryParse(hex, out var parsed))
            {
                return Problems.Malformed("key_digest must be 64 hex digits");
            }

            digest = parsed!;
        }
        else if (request.PublicKeyPem is { } pem)
        {
            try
            {
                digest = SecureBootPublicKey.FromPem(pem).Digest;
            }
            catch (SignatureException ex)
            {
                return Problems.Malformed($"public_key_pem: {ex.Message}");
            }
        }
        else
        {
            return Problems.Malformed("give key_digest or public_key_pem");
        }

        return TypedResults.Ok(await policy.Store.AddAsync(project, digest.Hex, request.Label, cancellationToken));
    }

    private static async Task<Results<Ok<SigningKeyInfo>, ProblemHttpResult>> RevokeAsync(string project, string digest, SigningPolicy policy, CancellationToken cancellationToken)
    {
        if (!SecureBootKeyDigest.TryParse(digest, out var parsed) || !await policy.Store.RevokeAsync(project, parsed!.Hex, cancellationToken))
        {
            return Problems.NotFound("signing key", digest);
        }

        return TypedResults.Ok(policy.Store.Keys(project).Single(k => k.KeyDigest == parsed.Hex));
    }
}

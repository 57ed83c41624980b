using System.Security.Cryptography;
using EspOta.Http;
using EspOta.Server.Devices;
using EspOta.Server.Firmware;
using EspOta.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace EspOta.Server.Rollouts;

/// <summary>The rollout admin API (API key): create, list, show, pause, resume, cancel, roll back; device labels and decisions.</summary>
public static class RolloutEndpoints
{
    /// <summary>Maps <c>/api/rollouts…</c>, <c>PUT /api/devices/{id}/labels</c> and <c>GET /api/devices/{id}/decision</c>.</summary>
    public static RouteGroupBuilder MapRollouts(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/rollouts").WithTags("Rollouts").AddEndpointFilter<ApiKeyEndpointFilter>();
        group.MapPost("/", CreateAsync).Accepts<CreateRolloutRequest>("application/json").DisableAntiforgery();
        group.MapGet("/", ListAsync);
        group.MapGet("/{id}", GetAsync);
        group.MapPost("/{id}/pause", (string id, RolloutService s, CancellationToken ct) => ActAsync(id, s, (r, now) => r.Pause(now), ct)).DisableAntiforgery();
        group.MapPost("/{id}/resume", (string id, RolloutService s, CancellationToken ct) => ActAsync(id, s, (r, now) => r.Resume(now), ct)).DisableAntiforgery();
        group.MapPost("/{id}/cancel", (string id, RolloutService s, CancellationToken ct) => ActAsync(id, s, (r, now) => r.Cancel(now), ct)).DisableAntiforgery();
        group.MapPost("/{id}/rollback", (string id, RolloutService s, CancellationToken ct) => ActAsync(id, s, (r, now) => r.RollBack(now), ct)).DisableAntiforgery();

        var devices = endpoints.MapGroup("/api/devices").WithTags("Rollouts").AddEndpointFilter<ApiKeyEndpointFilter>();
        devices.MapPut("/{id}/labels", SetLabelsAsync).Accepts<DeviceLabels>("application/json").DisableAntiforgery();
        devices.MapGet("/{id}/labels", GetLabelsAsync);
        devices.MapGet("/{id}/decision", DecisionAsync);
        return group;
    }

    private static async Task<Results<Created<RolloutView>, ProblemHttpResult>> CreateAsync(
        HttpRequest request, RolloutService service, IRolloutStore store, IFirmwareStore firmware, TimeProvider time, IOptions<EspOtaServerOptions> options, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<CreateRolloutRequest>(request, options.Value.MaxJsonBodySize, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (!Ids.TryNormalizeSha256(body!.Firmware, out var sha))
        {
            return Problems.BadId("SHA-256", body.Firmware ?? "");
        }

        string id = body.Id ?? "r-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        if (!Ids.IsDeviceId(id))
        {
            return Problems.BadId("rollout id", id);
        }

        var stages = body.Stages ?? [new(Percent: 1), new(Percent: 10), new(Percent: 50), new(Percent: 100)];
        var gate = body.Gate ?? new RolloutGate();
        var target = body.Target ?? new RolloutTarget();
        var problems = Rollout.Validate(stages, gate).ToList();
        if (target.Group is { } g && !Ids.IsDeviceId(g))
        {
            problems.Add($"group '{g}' is not a valid name");
        }

        problems.AddRange((target.Tags ?? []).Where(t => !Ids.IsDeviceId(t)).Select(t => $"tag '{t}' is not a valid name"));
        problems.AddRange((target.DeviceIds ?? []).Where(d => !Ids.IsDeviceId(d)).Select(d => $"device id '{d}' is not valid"));
        if (problems.Count > 0)
        {
            return Problems.Of(StatusCodes.Status400BadRequest, ProblemTypes.InvalidRollout, "Invalid rollout", string.Join("; ", problems));
        }

        if (await firmware.GetAsync(sha, cancellationToken) is not { } record)
        {
            return Problems.NotFound("firmware", sha);
        }

        var deployed = RolloutService.ToRollout(record);
        var rollout = Rollout.Create(id, body.Name ?? $"{deployed.Project} {deployed.Version}", deployed, target, stages, gate, time.GetUtcNow());
        if (!await store.AddAsync(rollout, cancellationToken))
        {
            return Problems.Of(StatusCodes.Status409Conflict, ProblemTypes.DuplicateRollout, "Duplicate rollout", $"a rollout '{id}' already exists");
        }

        var fleet = await service.FleetAsync(cancellationToken);
        return TypedResults.Created($"/api/rollouts/{id}", RolloutView.Of(rollout, fleet, withMembers: true));
    }

    private static async Task<Ok<RolloutView[]>> ListAsync(RolloutService service, IRolloutStore store, CancellationToken cancellationToken)
    {
        await service.EvaluateAllAsync(cancellationToken);
        var fleet = await service.FleetAsync(cancellationToken);
        var list = await store.ListAsync(cancellationToken);
        return TypedResults.Ok(list.Reverse().Select(r => RolloutView.Of(r, fleet, withMembers: false)).ToArray());
    }

    private static async Task<Results<Ok<RolloutView>, ProblemHttpResult>> GetAsync(string id, RolloutService service, IRolloutStore store, CancellationToken cancellationToken)
    {
        if (!Ids.IsDeviceId(id))
        {
            return Problems.BadId("rollout id", id);
        }

        await service.EvaluateAllAsync(cancellationToken);
        if (await store.GetAsync(id, cancellationToken) is not { } rollout)
        {
            return Problems.NotFound("rollout", id);
        }

        return TypedResults.Ok(RolloutView.Of(rollout, await service.FleetAsync(cancellationToken), withMembers: true));
    }

    private static async Task<Results<Ok<RolloutView>, ProblemHttpResult>> ActAsync(string id, RolloutService service, Action<Rollout, DateTimeOffset> action, CancellationToken cancellationToken)
    {
        if (!Ids.IsDeviceId(id))
        {
            return Problems.BadId("rollout id", id);
        }

        try
        {
            if (await service.ActAsync(id, action, cancellationToken) is not { } rollout)
            {
                return Problems.NotFound("rollout", id);
            }

            return TypedResults.Ok(RolloutView.Of(rollout, await service.FleetAsync(cancellationToken), withMembers: true));
        }
        catch (RolloutTransitionException e)
        {
            return Problems.Of(StatusCodes.Status409Conflict, ProblemTypes.RolloutConflict, "Not allowed in this state", e.Message);
        }
    }

    private static async Task<Results<Ok<DeviceLabels>, ProblemHttpResult>> SetLabelsAsync(
        string id, HttpRequest request, IRolloutStore store, IOptions<EspOtaServerOptions> options, CancellationToken cancellationToken)
    {
        if (!Ids.IsDeviceId(id))
        {
            return Problems.BadId("device id", id);
        }

        var (labels, problem) = await JsonBody.ReadAsync<DeviceLabels>(request, options.Value.MaxJsonBodySize, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var bad = new[] { labels!.Group }.Concat(labels.Tags ?? []).Where(n => n is not null && !Ids.IsDeviceId(n)).ToList();
        if (bad.Count > 0 || (labels.Tags?.Count ?? 0) > 32 || (labels.PinnedVersion is { } pin && (pin.Length is 0 or > 32)))
        {
            return Problems.Malformed($"labels: group and tags are 1–64 of A-Z a-z 0-9 . _ : - (at most 32 tags), a pinned version 1–32 characters{(bad.Count > 0 ? $"; bad: {string.Join(", ", bad)}" : "")}");
        }

        var normalized = labels with { Tags = (labels.Tags ?? []).Distinct(StringComparer.Ordinal).ToArray() };
        await store.SetLabelsAsync(id, normalized, cancellationToken);
        return TypedResults.Ok(normalized);
    }

    private static async Task<Results<Ok<DeviceLabels>, ProblemHttpResult>> GetLabelsAsync(string id, IRolloutStore store, CancellationToken cancellationToken)
    {
        if (!Ids.IsDeviceId(id))
        {
            return Problems.BadId("device id", id);
        }

        return TypedResults.Ok((await store.LabelsAsync(cancellationToken)).GetValueOrDefault(id) ?? DeviceLabels.None);
    }

    private static async Task<Results<Ok<UpdateDecision>, ProblemHttpResult>> DecisionAsync(
        string id, RolloutService service, IDeviceStore devices, CancellationToken cancellationToken)
    {
        if (!Ids.IsDeviceId(id))
        {
            return Problems.BadId("device id", id);
        }

        var details = await devices.GetAsync(id, 1, cancellationToken);
        if (details?.Device is not { Project: { } project, Chip: { } chip, Version: { } version } device)
        {
            return Problems.NotFound("device that checked for updates", id);
        }

        var (decision, _, _) = await service.DecideAsync(new UpdateCheckRequest(id, chip, project, version, device.SecureVersion ?? 0), record: false, cancellationToken);
        return TypedResults.Ok(decision);
    }
}

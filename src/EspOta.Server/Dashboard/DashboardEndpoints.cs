using System.Globalization;
using System.Reflection;
using System.Text;
using EspOta.Server.Devices;
using EspOta.Server.Firmware;
using EspOta.Server.Rollouts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using static EspOta.Server.Dashboard.Html;

namespace EspOta.Server.Dashboard;

/// <summary>
/// The web dashboard under <c>/dashboard</c>: fleet overview, firmware (with upload), rollouts with
/// their live stage chart and actions, device pages with history and the update decision. Pages are
/// rendered here; one small script keeps them live; CSS and script are embedded resources.
/// </summary>
public static class DashboardEndpoints
{
    private const string HtmlType = "text/html; charset=utf-8";

    /// <summary>Maps <c>/dashboard…</c>.</summary>
    public static RouteGroupBuilder MapDashboard(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/dashboard/assets/{name}", Asset);
        endpoints.MapGet("/dashboard/login", (string? @return, string? error) => LoginPage(@return, error is null ? null : "That is not the server's API key."));
        endpoints.MapPost("/dashboard/login", LoginAsync).DisableAntiforgery();
        endpoints.MapPost("/dashboard/logout", (HttpContext c) =>
        {
            c.Response.Cookies.Delete(DashboardAuth.CookieName, new CookieOptions { Path = "/dashboard" });
            return TypedResults.Redirect("/dashboard/login");
        }).DisableAntiforgery();

        var group = endpoints.MapGroup("/dashboard").WithTags("Dashboard").AddEndpointFilter<DashboardAuth>();
        group.MapGet("/", FleetAsync);
        group.MapGet("/firmware", FirmwareAsync);
        group.MapPost("/firmware", UploadAsync).DisableAntiforgery();
        group.MapGet("/rollouts", RolloutsAsync);
        group.MapPost("/rollouts", CreateRolloutAsync).DisableAntiforgery();
        group.MapGet("/rollouts/{id}", RolloutAsync);
        group.MapPost("/rollouts/{id}/{action}", ActAsync).DisableAntiforgery();
        group.MapGet("/devices/{id}", DeviceAsync);
        return group;
    }

    private static Results<ContentHttpResult, NotFound> Asset(string name)
    {
        string? type = Path.GetExtension(name) switch { ".css" => "text/css; charset=utf-8", ".js" => "text/javascript; charset=utf-8", _ => null };
        using var stream = type is null ? null : typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("dashboard/" + name);
        if (stream is null)
        {
            return TypedResults.NotFound();
        }

        using var reader = new StreamReader(stream, Encoding.UTF8);
        return TypedResults.Content(reader.ReadToEnd(), type);
    }

    private static ContentHttpResult LoginPage(string? back, string? error) => TypedResults.Content(
        $"""
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Log in · esp-ota</title><link rel="stylesheet" href="/dashboard/assets/dashboard.css"></head>
        <body><main><div class="card login"><h1>esp<span style="color:var(--accent)">·</span>ota dashboard</h1>
        {(error is null ? "" : $"<div class=\"error\">{E(error)}</div>")}
        <form method="post" action="/dashboard/login"><input type="hidden" name="return" value="{E(back)}">
        <label>API key<input type="password" name="api_key" id="api_key" autofocus size="34"></label><br><button type="submit" id="login">Log in</button></form>
        <p class="muted">The key the server was started with (<code>esp-ota serve --api-key</code>).</p></div></main></body></html>
        """,
        HtmlType,
        statusCode: error is null ? 200 : 401);

    private static async Task<IResult> LoginAsync(HttpContext context, DashboardAuth auth)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        string? back = form["return"].ToString() is { Length: > 0 } r && r.StartsWith("/dashboard", StringComparison.Ordinal) && !r.StartsWith("//", StringComparison.Ordinal) ? r : "/dashboard";
        if (!auth.IsKey(form["api_key"].ToString()))
        {
            return LoginPage(back, "That is not the server's API key.");
        }

        context.Response.Cookies.Append(DashboardAuth.CookieName, auth.Token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Path = "/dashboard",
            Secure = context.Request.IsHttps,
        });
        return TypedResults.Redirect(back);
    }

    private static async Task<ContentHttpResult> FleetAsync(IDeviceStore devices, IRolloutStore rollouts, RolloutService service, TimeProvider time, int? page, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var all = await devices.ListAsync(null, int.MaxValue, cancellationToken);
        var labels = await rollouts.LabelsAsync(cancellationToken);
        var fleet = await service.FleetAsync(cancellationToken);
        var active = (await rollouts.ListAsync(cancellationToken)).Where(r => r.State is RolloutState.Running or RolloutState.Halted or RolloutState.Paused or RolloutState.RollingBack).ToList();
        var sb = new StringBuilder("<h1>Fleet</h1><div data-live=\"fleet\">");
        int seen5 = all.Count(d => now - d.LastSeen < TimeSpan.FromMinutes(5));
        sb.Append(CultureInfo.InvariantCulture, $"""
            <div class="grid">
            <div class="card"><h2>Devices</h2><div class="stat"><span id="device-count">{all.Count}</span><small>{seen5} seen in the last 5 min</small></div></div>
            <div class="card"><h2>Versions</h2><div class="stat">{all.Select(d => d.Version).Distinct().Count()}<small>running in the fleet</small></div></div>
            <div class="card"><h2>Rollouts</h2><div class="stat">{active.Count(r => r.State == RolloutState.Running)}<small>running, {active.Count(r => r.State == RolloutState.Halted)} halted</small></div></div>
            </div>
            """);
        sb.Append("<div class=\"grid\"><div class=\"card\"><h2>By version</h2>");
        Bars(sb, all.GroupBy(d => d.Version ?? "unknown").Select(g => (g.Key, g.Count())), all.Count);
        sb.Append("</div><div class=\"card\"><h2>By state</h2>");
        Bars(sb, all.GroupBy(d => State(d)).Select(g => (g.Key, g.Count())), all.Count);
        sb.Append("</div></div>");
        foreach (var r in active)
        {
            var view = RolloutView.Of(r, fleet, withMembers: false);
            sb.Append(CultureInfo.InvariantCulture, $"<div class=\"card\"><h2><a href=\"/dashboard/rollouts/{U(r.Id)}\">{E(r.Name)}</a> {Badge(Name(r.State))}</h2>");
            if (r.HaltReason is { } why)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<div class=\"halt\"><strong>Halted</strong>{E(why)}</div>");
            }

            sb.Append(Stages(view)).Append("</div>");
        }

        const int PageSize = 100;
        int p = Math.Max(0, page ?? 0);
        var shown = all.OrderByDescending(d => d.LastSeen).ThenBy(d => d.Id, StringComparer.Ordinal).Skip(p * PageSize).Take(PageSize).ToList();
        sb.Append("<div class=\"card\"><h2>Devices</h2><table id=\"devices\"><thead><tr><th>Device</th><th>Version</th><th>State</th><th>Group / tags</th><th>Last seen</th></tr></thead><tbody>");
        foreach (var d in shown)
        {
            var l = labels.GetValueOrDefault(d.Id);
            string tags = l is null ? "" : E(string.Join(" ", new[] { l.Group }.Concat(l.Tags ?? []).Where(t => t is not null))) + (l.PinnedVersion is { } pin ? $" <span class=\"badge\">pinned {E(pin)}</span>" : "");
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td><a class=\"mono\" href=\"/dashboard/devices/{U(d.Id)}\">{E(d.Id)}</a></td><td>{E(d.Version)}</td><td>{Badge(State(d))} <span class=\"muted\">{E(d.StateVersion)}</span></td><td>{tags}</td><td>{Ago(d.LastSeen, now)}</td></tr>");
        }

        sb.Append("</tbody></table>");
        if (all.Count > PageSize)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<div class=\"pager\">{(p > 0 ? $"<a href=\"?page={p - 1}\">← newer</a>" : "")}<span class=\"muted\">page {p + 1} of {(all.Count + PageSize - 1) / PageSize}</span>{((p + 1) * PageSize < all.Count ? $"<a href=\"?page={p + 1}\">older →</a>" : "")}</div>");
        }

        sb.Append("</div></div>");
        return View("Fleet", "fleet", sb.ToString());
    }

    private static async Task<ContentHttpResult> FirmwareAsync(IFirmwareStore firmware, IRolloutStore rollouts, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var list = await firmware.ListAsync(null, null, null, int.MaxValue, cancellationToken);
        var sb = new StringBuilder("<h1>Firmware</h1>");
        sb.Append("""
            <div class="card"><h2>Upload an image</h2>
            <form id="upload"><input type="file" id="upload-file" accept=".bin,application/octet-stream"> <button type="submit">Upload</button></form>
            <div id="upload-status" class="muted" style="margin-top:10px"></div>
            <p class="muted">The image is verified like <code>esptool.py image_info</code> / <code>esp_image_verify</code> before it is accepted.</p></div>
            """);
        sb.Append("<div class=\"card\" data-live=\"firmware\"><h2>Repository</h2><table id=\"firmware\"><thead><tr><th>Project</th><th>Version</th><th>Chip</th><th>Secure ver.</th><th>Size</th><th>IDF</th><th>SHA-256</th><th>Uploaded</th><th></th></tr></thead><tbody>");
        foreach (var f in list.Reverse())
        {
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(f.Project)}</td><td><strong>{E(f.Version)}</strong></td><td>{E(f.Chip)}</td><td>{f.SecureVersion}</td><td>{f.Size / 1024.0:0.#} KiB</td><td>{E(f.IdfVersion)}</td><td class=\"mono\" title=\"{E(f.Sha256)}\">{E(f.Sha256[..12])}…</td><td>{Ago(f.UploadedAt, now)}</td>");
            sb.Append(CultureInfo.InvariantCulture, $"<td><a href=\"/dashboard/rollouts?firmware={E(f.Sha256)}\">roll out…</a></td></tr>");
        }

        sb.Append("</tbody></table></div>");
        return View("Firmware", "firmware", sb.ToString(), refreshMs: 5000);
    }

    private static async Task<IResult> UploadAsync(HttpContext context, FirmwareService service, IOptions<EspOtaServerOptions> options, CancellationToken cancellationToken)
    {
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = options.Value.MaxImageSize + 1;
        }

        try
        {
            var (record, problem) = await service.AddAsync(context.Request, cancellationToken);
            return problem is not null ? problem : TypedResults.Created(FirmwareEndpoints.DownloadPath(record!.Sha256), record.ToInfo(FirmwareEndpoints.DownloadPath(record.Sha256)));
        }
        catch (ClientBodyException e)
        {
            return Problems.ClientBody(context, e);
        }
    }

    private static async Task<ContentHttpResult> RolloutsAsync(IRolloutStore rollouts, IFirmwareStore firmware, RolloutService service, string? error, HttpContext context, CancellationToken cancellationToken)
    {
        await service.EvaluateAllAsync(cancellationToken);
        var fleet = await service.FleetAsync(cancellationToken);
        var list = (await rollouts.ListAsync(cancellationToken)).Reverse().ToList();
        var images = (await firmware.ListAsync(null, null, null, int.MaxValue, cancellationToken)).Reverse().ToList();
        string? chosen = context.Request.Query["firmware"].ToString();
        var sb = new StringBuilder("<h1>Rollouts</h1>");
        if (error is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<div class=\"error\">{E(error)}</div>");
        }

        sb.Append("<div data-live=\"rollouts\">");
        if (list.Count == 0)
        {
            sb.Append("<div class=\"card muted\">No rollouts yet: devices of a project without rollouts get its newest version.</div>");
        }

        foreach (var r in list)
        {
            var view = RolloutView.Of(r, fleet, withMembers: false);
            sb.Append(CultureInfo.InvariantCulture, $"<div class=\"card rollout\" id=\"rollout-{E(r.Id)}\"><h2><a href=\"/dashboard/rollouts/{U(r.Id)}\">{E(r.Name)}</a> {Badge(Name(r.State))} <span class=\"muted\">{E(r.Firmware.ToString())} · {E(r.Target.ToString())}</span></h2>");
            if (r.HaltReason is { } why)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<div class=\"halt\"><strong>Halted</strong><span class=\"halt-reason\">{E(why)}</span></div>");
            }

            sb.Append(Stages(view)).Append("</div>");
        }

        sb.Append("</div><div class=\"card\"><h2>New rollout</h2><form method=\"post\" action=\"/dashboard/rollouts\"><label>Firmware<select name=\"firmware\">");
        foreach (var f in images)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<option value=\"{E(f.Sha256)}\"{(f.Sha256 == chosen ? " selected" : "")}>{E(f.Project)} {E(f.Version)} ({E(f.Chip)})</option>");
        }

        sb.Append("""
            </select></label><label>Stages (% or #count)<input name="stages" value="1,10,50,100"></label>
            <label>Group<input name="group" size="10"></label><label>Tags<input name="tags" size="10"></label>
            <label>Advance at % confirmed<input name="advance" value="90" size="4"></label><label>Soak (s)<input name="soak" value="3600" size="6"></label>
            <label>Halt above % failed<input name="halt" value="20" size="4"></label><br><button type="submit">Start rollout</button></form></div>
            """);
        return View("Rollouts", "rollouts", sb.ToString());
    }

    private static async Task<IResult> CreateRolloutAsync(HttpContext context, IRolloutStore store, IFirmwareStore firmware, TimeProvider time, CancellationToken cancellationToken)
    {
        var form = await context.Request.ReadFormAsync(cancellationToken);
        IResult Fail(string why) => TypedResults.Redirect("/dashboard/rollouts?error=" + U(why));
        if (!Ids.TryNormalizeSha256(form["firmware"].ToString(), out var sha) || await firmware.GetAsync(sha, cancellationToken) is not { } record)
        {
            return Fail("choose a firmware from the repository");
        }

        var stages = new List<RolloutStage>();
        foreach (var part in form["stages"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith('#') && int.TryParse(part.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int count))
            {
                stages.Add(new RolloutStage(Count: count));
            }
            else if (double.TryParse(part.TrimEnd('%'), NumberStyles.Float, CultureInfo.InvariantCulture, out double percent))
            {
                stages.Add(new RolloutStage(Percent: percent));
            }
            else
            {
                return Fail($"stage '{part}' is neither a percentage nor #count");
            }
        }

        static double Number(string text, double fallback) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : fallback;
        var gate = new RolloutGate(Number(form["advance"].ToString(), 90), Number(form["soak"].ToString(), 3600), Number(form["halt"].ToString(), 20));
        string? group = form["group"].ToString() is { Length: > 0 } g ? g : null;
        var tags = form["tags"].ToString().Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
        var problems = Rollout.Validate(stages, gate).Concat(new[] { group }.Concat(tags).Where(n => n is not null && !Ids.IsDeviceId(n)).Select(n => $"'{n}' is not a valid group or tag")).ToList();
        if (problems.Count > 0)
        {
            return Fail(string.Join("; ", problems));
        }

        var deployed = RolloutService.ToRollout(record);
        string id = $"{deployed.Version}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3))}";
        id = Ids.IsDeviceId(id) ? id : "r-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));
        await store.AddAsync(Rollout.Create(id, $"{deployed.Project} {deployed.Version}", deployed, new RolloutTarget(group, tags.Length == 0 ? null : tags), stages, gate, time.GetUtcNow()), cancellationToken);
        return TypedResults.Redirect("/dashboard/rollouts/" + U(id));
    }

    private static async Task<Results<ContentHttpResult, NotFound<string>>> RolloutAsync(string id, IRolloutStore rollouts, RolloutService service, TimeProvider time, string? error, CancellationToken cancellationToken)
    {
        await service.EvaluateAllAsync(cancellationToken);
        if (!Ids.IsDeviceId(id) || await rollouts.GetAsync(id, cancellationToken) is not { } r)
        {
            return TypedResults.NotFound($"no rollout '{id}'");
        }

        var now = time.GetUtcNow();
        var view = RolloutView.Of(r, await service.FleetAsync(cancellationToken), withMembers: true);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<h1>{E(r.Name)} <span data-live=\"state\">{Badge(Name(r.State))}</span></h1>");
        if (error is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<div class=\"error\">{E(error)}</div>");
        }

        sb.Append("<div data-live=\"halt\">");
        if (r.HaltReason is { } why)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<div class=\"halt\" id=\"halt-reason\"><strong>Halted automatically</strong>{E(why)}</div>");
        }

        sb.Append("</div><div class=\"actions\">");
        foreach (var (action, label, css) in new[] { ("pause", "Pause", "secondary"), ("resume", "Resume", ""), ("cancel", "Cancel", "secondary"), ("rollback", "Roll back", "danger") })
        {
            sb.Append(CultureInfo.InvariantCulture, $"<form class=\"inline\" method=\"post\" action=\"/dashboard/rollouts/{U(r.Id)}/{action}\"><button class=\"{css}\" id=\"action-{action}\">{label}</button></form>");
        }

        sb.Append("</div>");
        sb.Append(CultureInfo.InvariantCulture, $"""
            <div class="grid">
            <div class="card"><h2>Firmware</h2><div class="stat">{E(r.Firmware.Version)}<small>{E(r.Firmware.Project)} · {E(r.Firmware.Chip)}</small></div><div class="mono muted">{E(r.Firmware.Sha256[..16])}…</div></div>
            <div class="card"><h2>Target</h2><div>{E(r.Target.ToString())}</div><div class="muted">stages {E(string.Join(" → ", r.Stages))}</div></div>
            <div class="card"><h2>Gate</h2><div>advance at ≥ {r.Gate.AdvanceConfirmedPercent:0.##} % confirmed after {r.Gate.SoakSeconds:0.##} s soak</div><div>halt above {r.Gate.HaltFailurePercent:0.##} % failed or rolled back</div></div>
            </div>
            """);
        sb.Append("<div class=\"card\"><h2>Stage progress</h2>").Append(Stages(view)).Append("</div>");
        sb.Append("<div class=\"grid\"><div class=\"card\" data-live=\"events\"><h2>History</h2><ul class=\"timeline\">");
        foreach (var e in r.Events.Reverse())
        {
            sb.Append(CultureInfo.InvariantCulture, $"<li class=\"{E(e.Kind)}\">{Ago(e.At, now)}<strong>{E(e.Kind)}</strong><div>{E(e.Detail)}</div></li>");
        }

        sb.Append("</ul></div><div class=\"card\" data-live=\"members\"><h2>Devices let in</h2><table id=\"members\"><thead><tr><th>Device</th><th>Stage</th><th>Status</th><th>From</th><th>Updated</th></tr></thead><tbody>");
        foreach (var m in view.Members ?? [])
        {
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td><a class=\"mono\" href=\"/dashboard/devices/{U(m.DeviceId)}\">{E(m.DeviceId)}</a></td><td>{m.Stage + 1}</td><td>{Badge(Name(m.Status))}{(m.Reason is null ? "" : $"<div class=\"muted\">{E(m.Reason)}</div>")}</td><td>{E(m.FromVersion)}</td><td>{Ago(m.UpdatedAt, now)}</td></tr>");
        }

        sb.Append("</tbody></table></div></div>");
        return View(r.Name, "rollouts", sb.ToString(), refreshMs: 1000);
    }

    private static async Task<IResult> ActAsync(string id, string action, RolloutService service, CancellationToken cancellationToken)
    {
        Action<Rollout, DateTimeOffset>? act = action switch
        {
            "pause" => (r, now) => r.Pause(now),
            "resume" => (r, now) => r.Resume(now),
            "cancel" => (r, now) => r.Cancel(now),
            "rollback" => (r, now) => r.RollBack(now),
            _ => null,
        };
        if (act is null || !Ids.IsDeviceId(id))
        {
            return Problems.Malformed($"unknown action '{action}'");
        }

        try
        {
            return await service.ActAsync(id, act, cancellationToken) is null
                ? Problems.NotFound("rollout", id)
                : TypedResults.Redirect("/dashboard/rollouts/" + U(id));
        }
        catch (RolloutTransitionException e)
        {
            return TypedResults.Redirect($"/dashboard/rollouts/{U(id)}?error={U(e.Message)}");
        }
    }

    private static async Task<Results<ContentHttpResult, NotFound<string>>> DeviceAsync(
        string id, IDeviceStore devices, IRolloutStore rollouts, RolloutService service, TimeProvider time, IOptions<EspOtaServerOptions> options, CancellationToken cancellationToken)
    {
        if (!Ids.IsDeviceId(id) || await devices.GetAsync(id, options.Value.MaxHistory, cancellationToken) is not { } details)
        {
            return TypedResults.NotFound($"no device '{id}'");
        }

        var now = time.GetUtcNow();
        var d = details.Device;
        var labels = (await rollouts.LabelsAsync(cancellationToken)).GetValueOrDefault(id);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<h1 class=\"mono\">{E(d.Id)}</h1><div data-live=\"device\"><div class=\"grid\">");
        sb.Append(CultureInfo.InvariantCulture, $"<div class=\"card\"><h2>Runs</h2><div class=\"stat\">{E(d.Version)}<small>{E(d.Project)} · {E(d.Chip)} · secure_version {d.SecureVersion}</small></div></div>");
        sb.Append(CultureInfo.InvariantCulture, $"<div class=\"card\"><h2>Last step</h2><div>{Badge(State(d))} {E(d.StateVersion)}</div><div class=\"muted\">{E(d.Reason)}</div><div class=\"muted\">last seen {Ago(d.LastSeen, now)}, first {Ago(d.FirstSeen, now)}</div></div>");
        sb.Append(CultureInfo.InvariantCulture, $"<div class=\"card\"><h2>Labels</h2><div>group {E(labels?.Group ?? "—")}</div><div>tags {E(labels?.Tags is { Count: > 0 } t ? string.Join(", ", t) : "—")}</div><div>pinned {E(labels?.PinnedVersion ?? "—")}</div></div></div>");
        if (d is { Project: { } project, Chip: { } chip, Version: { } version })
        {
            var (decision, _, _) = await service.DecideAsync(new EspOta.Http.UpdateCheckRequest(id, chip, project, version, d.SecureVersion ?? 0), record: false, cancellationToken);
            sb.Append(CultureInfo.InvariantCulture, $"<div class=\"card\" id=\"decision\"><h2>{(decision.Offer is null ? "Why nothing" : "Why this offer")}</h2><div class=\"decision\">{(decision.Offer is null ? "No update" : $"Offer {E(decision.Offer.Version)}")} {Badge(Name(decision.Rule))}</div><ul class=\"reasons\">");
            foreach (var reason in decision.Reasons)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<li>{E(reason)}</li>");
            }

            sb.Append("</ul></div>");
        }

        sb.Append("<div class=\"card\"><h2>History</h2><ul class=\"timeline\" id=\"history\">");
        foreach (var e in details.History.Reverse())
        {
            string kind = Name(e.Kind);
            sb.Append(CultureInfo.InvariantCulture, $"<li class=\"{kind}\">{Ago(e.At, now)}<strong>{E(kind.Replace('_', ' '))}</strong> {E(e.Version)}{(e.Reason is null ? "" : $"<div class=\"muted\">{E(e.Reason)}</div>")}</li>");
        }

        sb.Append("</ul></div></div>");
        return View(d.Id, "fleet", sb.ToString());
    }

    private static ContentHttpResult View(string title, string active, string body, int refreshMs = 2000) =>
        TypedResults.Content(Page(title, active, body, refreshMs), HtmlType);

    private static void Bars(StringBuilder sb, IEnumerable<(string Name, int Count)> rows, int total)
    {
        foreach (var (name, count) in rows.OrderByDescending(r => r.Count).ThenBy(r => r.Name, StringComparer.Ordinal))
        {
            double width = total == 0 ? 0 : 100.0 * count / total;
            sb.Append(CultureInfo.InvariantCulture, $"<div class=\"hbar\"><span class=\"name\" title=\"{E(name)}\">{E(name)}</span><span class=\"track\"><span class=\"fill\" style=\"display:block;width:{width:0.#}%\"></span></span><span class=\"n\">{count}</span></div>");
        }
    }

    private static string State(DeviceSummary d) => d.State is { } s ? Name(s) : "checking";

    private static string Name<T>(T value) where T : struct, Enum => WireNames.Of(value);
}

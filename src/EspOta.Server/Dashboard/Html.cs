using System.Globalization;
using System.Net;
using System.Text;
using EspOta.Server.Rollouts;

namespace EspOta.Server.Dashboard;

/// <summary>Small HTML helpers for the server-rendered dashboard: encoding, the page frame, times, the stage chart.</summary>
internal static class Html
{
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static string U(string text) => Uri.EscapeDataString(text);

    public static string Page(string title, string active, string body, int refreshMs = 2000) => $"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{E(title)} · esp-ota</title><link rel="stylesheet" href="/dashboard/assets/dashboard.css"></head>
        <body data-refresh="{refreshMs}">
        <header><a class="brand" href="/dashboard">esp<span>·</span>ota</a>
        <nav>{Nav("fleet", "/dashboard", "Fleet", active)}{Nav("firmware", "/dashboard/firmware", "Firmware", active)}{Nav("rollouts", "/dashboard/rollouts", "Rollouts", active)}</nav>
        <span class="live" id="updated">live</span></header>
        <main>{body}</main>
        <script src="/dashboard/assets/dashboard.js"></script>
        </body></html>
        """;

    private static string Nav(string key, string href, string text, string active) =>
        $"<a href=\"{href}\"{(key == active ? " class=\"active\"" : "")}>{text}</a>";

    public static string Badge(string? kind) => kind is null ? "<span class=\"badge\">—</span>" : $"<span class=\"badge {E(kind)}\">{E(kind.Replace('_', ' '))}</span>";

    public static string Ago(DateTimeOffset at, DateTimeOffset now)
    {
        var span = now - at;
        string text = span.TotalSeconds < 1 ? "just now"
            : span.TotalSeconds < 60 ? $"{span.TotalSeconds:0} s ago"
            : span.TotalMinutes < 60 ? $"{span.TotalMinutes:0} min ago"
            : span.TotalHours < 48 ? $"{span.TotalHours:0} h ago"
            : $"{span.TotalDays:0} days ago";
        return $"<time datetime=\"{at.ToString("O", CultureInfo.InvariantCulture)}\" title=\"{at.ToString("u", CultureInfo.InvariantCulture)}\">{text}</time>";
    }

    /// <summary>One stacked bar per stage: confirmed, in progress, offered, failed, rolled back; the rest is waiting.</summary>
    public static string Stages(RolloutView rollout)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<div class=\"stages\" data-live=\"stages-{E(rollout.Id)}\">");
        foreach (var p in rollout.Progress)
        {
            bool current = p.Index == rollout.CurrentStage && rollout.State is not (RolloutState.Completed);
            string css = "stage" + (current ? " current" : "") + (p.Reached ? "" : " unreached");
            sb.Append(CultureInfo.InvariantCulture, $"<div class=\"{css}\" data-stage=\"{p.Index}\"><div class=\"stage-head\"><span>Stage {p.Index + 1} · {E(p.Label)}</span>");
            sb.Append(CultureInfo.InvariantCulture, $"<span class=\"muted\" data-t=\"1\">{p.Size} devices · {p.ConfirmedPercent:0.#} % confirmed · {p.FailurePercent:0.#} % failed</span></div><div class=\"bar\">");
            Seg(sb, "confirmed", p.Confirmed, p.Size);
            Seg(sb, "in_progress", p.InProgress, p.Size);
            Seg(sb, "offered", p.Offered, p.Size);
            Seg(sb, "failed", p.Failed, p.Size);
            Seg(sb, "rolled_back", p.RolledBack, p.Size);
            sb.Append(CultureInfo.InvariantCulture, $"</div><div class=\"legend\" data-t=\"2\"><span><i class=\"confirmed\"></i>{p.Confirmed} confirmed</span><span><i class=\"in_progress\"></i>{p.InProgress} in progress</span><span><i class=\"offered\"></i>{p.Offered} offered</span><span><i class=\"failed\"></i>{p.Failed} failed</span><span><i class=\"rolled_back\"></i>{p.RolledBack} rolled back</span><span><i class=\"waiting\"></i>{p.Waiting} waiting</span></div></div>");
        }

        sb.Append("</div>");
        return sb.ToString();
    }

    private static void Seg(StringBuilder sb, string kind, int count, int size)
    {
        double width = size == 0 ? 0 : 100.0 * count / size;
        sb.Append(CultureInfo.InvariantCulture, $"<span class=\"seg {kind}\" data-k=\"{kind}\" style=\"width:{width:0.###}%\" title=\"{count} {kind.Replace('_', ' ')}\"></span>");
    }
}

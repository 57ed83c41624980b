using System.Diagnostics.Metrics;
using EspOta.Http;

namespace EspOta.Server.Operations;

/// <summary>
/// The server's instruments (<see cref="System.Diagnostics.Metrics"/>, meter <see cref="MeterName"/>),
/// exported at <c>/metrics</c> in Prometheus text format by <see cref="PrometheusExporter"/>. Other
/// features add theirs on <see cref="Meter"/> (e.g. an observable gauge of rollout states).
/// </summary>
internal sealed class ServerMetrics : IDisposable
{
    public const string MeterName = "EspOta.Server";

    private readonly Counter<long> _checks;
    private readonly Counter<long> _downloads;
    private readonly Counter<long> _bytesServed;
    private readonly Counter<long> _reports;
    private readonly Counter<long> _uploads;
    private readonly Counter<long> _rejected;

    public ServerMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(MeterName);
        _checks = Meter.CreateCounter<long>("espota.update_checks", "{check}", "Update checks answered, by result (offer, none)");
        _downloads = Meter.CreateCounter<long>("espota.downloads", "{request}", "Image download requests answered, by status");
        _bytesServed = Meter.CreateCounter<long>("espota.bytes_served", "By", "Image bytes sent to devices");
        _reports = Meter.CreateCounter<long>("espota.reports", "{report}", "Device reports accepted, by kind");
        _uploads = Meter.CreateCounter<long>("espota.uploads", "{upload}", "Firmware uploads, by result (created, duplicate, invalid)");
        _rejected = Meter.CreateCounter<long>("espota.requests_refused", "{request}", "Device requests refused, by reason (rate_limited, unauthenticated)");
    }

    public Meter Meter { get; }

    public void Check(bool offered) => _checks.Add(1, new KeyValuePair<string, object?>("result", offered ? "offer" : "none"));

    public void Download(int status, long bytes)
    {
        _downloads.Add(1, new KeyValuePair<string, object?>("status", status));
        if (bytes > 0)
        {
            _bytesServed.Add(bytes);
        }
    }

    public void Report(DeviceReportKind kind) => _reports.Add(1, new KeyValuePair<string, object?>("kind", WireNames.Of(kind)));

    public void Upload(string result) => _uploads.Add(1, new KeyValuePair<string, object?>("result", result));

    public void Refused(string reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Dispose() => Meter.Dispose();
}

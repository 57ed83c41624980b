using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace EspOta.Server.Operations;

/// <summary>
/// A small exporter of our own (no package): listens to the <see cref="ServerMetrics.MeterName"/>
/// meter (and any meter of the same host whose name starts with <c>EspOta.</c>), sums counters per tag set, and writes
/// the Prometheus text exposition format (version 0.0.4): <c>espota.bytes_served</c> in bytes becomes
/// <c>espota_bytes_served_bytes_total</c>, gauges keep their last value.
/// </summary>
internal sealed class PrometheusExporter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, ConcurrentDictionary<string, double>> _values = new();

    public PrometheusExporter(ServerMetrics metrics)
    {
        // Meters of this host's IMeterFactory only (its scope): several hosts in one process (tests) keep apart.
        object? scope = metrics.Meter.Scope;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith("EspOta.", StringComparison.Ordinal) && ReferenceEquals(instrument.Meter.Scope, scope))
            {
                _values.TryAdd(instrument, new ConcurrentDictionary<string, double>(StringComparer.Ordinal));
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    /// <summary>The exposition text of every instrument's current values.</summary>
    public string Scrape()
    {
        _listener.RecordObservableInstruments();
        var text = new StringBuilder();
        foreach (var (instrument, series) in _values.OrderBy(p => p.Key.Name, StringComparer.Ordinal))
        {
            bool cumulative = instrument is Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double>;
            string name = NameOf(instrument, cumulative);
            text.Append("# HELP ").Append(name).Append(' ').Append(Escape(instrument.Description ?? instrument.Name, help: true)).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(cumulative ? "counter" : "gauge").Append('\n');
            foreach (var (labels, value) in series.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                text.Append(name).Append(labels).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var series = _values.GetOrAdd(instrument, _ => new ConcurrentDictionary<string, double>(StringComparer.Ordinal));
        string labels = Labels(tags);
        bool cumulative = instrument is Counter<long> or Counter<int> or Counter<double>;
        if (cumulative)
        {
            series.AddOrUpdate(labels, value, (_, old) => old + value);
        }
        else
        {
            // Gauges and observable counters report the current (cumulative) value.
            series[labels] = value;
        }
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return "";
        }

        var sorted = tags.ToArray();
        Array.Sort(sorted, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var text = new StringBuilder("{");
        for (int i = 0; i < sorted.Length; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            text.Append(Sanitize(sorted[i].Key)).Append("=\"")
                .Append(Escape(Convert.ToString(sorted[i].Value, CultureInfo.InvariantCulture) ?? "", help: false)).Append('"');
        }

        return text.Append('}').ToString();
    }

    private static string NameOf(Instrument instrument, bool cumulative)
    {
        string name = Sanitize(instrument.Name);
        string? unit = instrument.Unit switch
        {
            "By" => "bytes",
            "s" => "seconds",
            _ => null,
        };
        if (unit is not null && !name.EndsWith("_" + unit, StringComparison.Ordinal))
        {
            name += "_" + unit;
        }

        return cumulative ? name + "_total" : name;
    }

    private static string Sanitize(string name)
    {
        var text = new StringBuilder(name.Length);
        foreach (char c in name)
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        return text.ToString();
    }

    private static string Escape(string value, bool help) =>
        help ? value.Replace("\\", "\\\\").Replace("\n", "\\n") : value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}

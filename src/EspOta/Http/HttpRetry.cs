using System.Diagnostics;
using System.Net;

namespace EspOta.Http;

/// <summary>The transport rules the server client and the download share: what is transient, how often to retry, which answers are server errors.</summary>
internal static class HttpRetry
{
    /// <summary>Runs <paramref name="attempt"/> with a timeout per try; transport failures are retried as <see cref="RetryCounter"/> allows.</summary>
    public static async Task<T> RunAsync<T>(HttpOtaClientOptions options, Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        var failures = new RetryCounter(options);
        while (true)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.RequestTimeout);
            try
            {
                return await attempt(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                await failures.FailedAsync(e, progressed: false, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Whether <paramref name="e"/> is a failure worth another attempt (not the caller's cancellation).</summary>
    public static bool IsTransient(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException or IOException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>A 5xx becomes a transient <see cref="HttpRequestException"/>; a 404 or 416 an <see cref="EspError.HttpFetchHeader"/>.</summary>
    public static void ThrowIfServerError(HttpResponseMessage response)
    {
        if ((int)response.StatusCode >= 500)
        {
            throw new HttpRequestException($"the server answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }

        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable || response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new EspException(EspError.HttpFetchHeader, $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {response.ReasonPhrase}");
        }
    }

    /// <summary>
    /// The pause before retry number <paramref name="failures"/> (1 = the first) of a run of failures:
    /// exponential (<see cref="HttpOtaClientOptions.RetryDelay"/> × 2^(n−1), at most
    /// <see cref="HttpOtaClientOptions.MaxRetryDelay"/>) with "equal jitter" — drawn between half and
    /// all of that — so that a fleet cut off by one server restart does not come back in lockstep.
    /// </summary>
    public static TimeSpan Backoff(HttpOtaClientOptions options, int failures, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failures, 1);
        double ceiling = Math.Min(options.MaxRetryDelay.TotalMilliseconds, options.RetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 62)));
        return TimeSpan.FromMilliseconds((ceiling / 2) + (random.NextDouble() * ceiling / 2));
    }

    /// <summary>Failures in a row, and since when; a failure after progress counts as the first.</summary>
    internal sealed class RetryCounter(HttpOtaClientOptions options)
    {
        private readonly Random _random = options.RetryJitterSeed is { } seed ? new Random(seed) : Random.Shared;
        private int _failures;
        private long _firstFailure;

        /// <summary>Retries so far.</summary>
        public int Retries { get; private set; }

        /// <summary>The pauses waited so far, in order (for replaying a run with the same seed).</summary>
        public List<TimeSpan> Pauses { get; } = [];

        /// <summary>Counts a failure and waits before the next attempt, or throws the final <see cref="EspException"/>.</summary>
        public async Task FailedAsync(Exception e, bool progressed, CancellationToken cancellationToken)
        {
            // A refused certificate is no network hiccup: esp_http_client_open fails with
            // ESP_ERR_HTTP_CONNECT at once (before anything is erased when it is the first request).
            if (HttpOtaTls.AsTlsFailure(e, null) is { } tls)
            {
                throw tls;
            }

            if (progressed || _failures == 0)
            {
                _failures = 0;
                _firstFailure = Stopwatch.GetTimestamp();
            }

            _failures++;
            var pause = Backoff(options, _failures, _random);
            var failingFor = Stopwatch.GetElapsedTime(_firstFailure);
            if (_failures > options.MaxRetries || failingFor + pause > options.RetryWindow)
            {
                var code = e is OperationCanceledException ? EspError.Timeout
                    : e is HttpRequestException { StatusCode: null } ? EspError.HttpConnect
                    : EspError.HttpConnectionClosed;
                throw new EspException(code, $"giving up after {_failures} failed attempts in {failingFor.TotalSeconds:0.###} s (retry window {options.RetryWindow.TotalSeconds:0.###} s): {e.Message}", e);
            }

            Retries++;
            Pauses.Add(pause);
            await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
        }
    }
}

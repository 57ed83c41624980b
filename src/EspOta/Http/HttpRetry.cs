using System.Net;

namespace EspOta.Http;

/// <summary>The transport rules the server client and the download share: what is transient, how often to retry, which answers are server errors.</summary>
internal static class HttpRetry
{
    /// <summary>Runs <paramref name="attempt"/> with a timeout per try; transport failures are retried up to <see cref="HttpOtaClientOptions.MaxRetries"/> times in a row.</summary>
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

    /// <summary>Failures in a row; a failure after progress counts as the first.</summary>
    internal sealed class RetryCounter(HttpOtaClientOptions options)
    {
        private int _failures;

        /// <summary>Retries so far.</summary>
        public int Retries { get; private set; }

        /// <summary>Counts a failure and waits before the next attempt, or throws the final <see cref="EspException"/>.</summary>
        public async Task FailedAsync(Exception e, bool progressed, CancellationToken cancellationToken)
        {
            _failures = progressed ? 1 : _failures + 1;
            if (_failures > options.MaxRetries)
            {
                var code = e is OperationCanceledException ? EspError.Timeout
                    : e is HttpRequestException { StatusCode: null } ? EspError.HttpConnect
                    : EspError.HttpConnectionClosed;
                throw new EspException(code, $"giving up after {_failures} failed attempts: {e.Message}", e);
            }

            Retries++;
            await Task.Delay(options.RetryDelay * _failures, cancellationToken).ConfigureAwait(false);
        }
    }
}

using EspOta.Http;

namespace EspOta.Tests.Http;

/// <summary>The device's backoff (issue 16): exponential, capped, jittered between half and all of the step, replayable from a seed, bounded by the retry window.</summary>
public sealed class HttpRetryTests
{
    private static readonly HttpOtaClientOptions Options = new()
    {
        RetryDelay = TimeSpan.FromMilliseconds(50),
        MaxRetryDelay = TimeSpan.FromSeconds(2),
    };

    [Fact]
    public void Backoff_EveryPause_IsBetweenHalfAndAllOfTheCappedExponentialStep()
    {
        var random = new Random(1234);
        for (int failure = 1; failure <= 40; failure++)
        {
            double step = Math.Min(2000, 50 * Math.Pow(2, failure - 1));
            var pause = HttpRetry.Backoff(Options, failure, random);
            Assert.InRange(pause.TotalMilliseconds, step / 2, step);
        }
    }

    [Fact]
    public void Backoff_SameSeed_SamePauses_OtherSeed_OtherPauses()
    {
        static List<TimeSpan> Run(int seed)
        {
            var random = new Random(seed);
            return Enumerable.Range(1, 12).Select(n => HttpRetry.Backoff(Options, n, random)).ToList();
        }

        Assert.Equal(Run(7), Run(7));
        Assert.NotEqual(Run(7), Run(8));
    }

    [Fact]
    public void Backoff_TenFailuresWithTheDefaults_SpanMoreThanAServerRestart()
    {
        // The old rule waited 50 ms × n for 5 tries: 0.75 s, shorter than a server restart (~1 s).
        var defaults = new HttpOtaClientOptions();
        var random = new Random(99);
        double total = Enumerable.Range(1, defaults.MaxRetries).Sum(n => HttpRetry.Backoff(defaults, n, random).TotalSeconds);
        Assert.InRange(total, 3, defaults.RetryWindow.TotalSeconds);
    }

    [Fact]
    public async Task RetryCounter_SeededPauses_ReplayExactly()
    {
        var options = new HttpOtaClientOptions { RetryDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(4), RetryJitterSeed = 5, MaxRetries = 6 };
        async Task<List<TimeSpan>> Run()
        {
            var counter = new HttpRetry.RetryCounter(options);
            for (int i = 0; i < 6; i++)
            {
                await counter.FailedAsync(new HttpRequestException("refused"), progressed: false, CancellationToken.None);
            }

            return counter.Pauses;
        }

        Assert.Equal(await Run(), await Run());
    }

    [Fact]
    public async Task RetryCounter_WindowSpent_GivesUpWithTheTransportCode()
    {
        var options = new HttpOtaClientOptions { RetryDelay = TimeSpan.FromMilliseconds(20), MaxRetryDelay = TimeSpan.FromMilliseconds(20), RetryWindow = TimeSpan.FromMilliseconds(100), MaxRetries = 1000, RetryJitterSeed = 1 };
        var counter = new HttpRetry.RetryCounter(options);

        var e = await Assert.ThrowsAsync<EspException>(async () =>
        {
            while (true)
            {
                await counter.FailedAsync(new HttpRequestException("refused"), progressed: false, CancellationToken.None);
            }
        });

        Assert.Equal(EspError.HttpConnect, e.Code);
        // At most window / shortest pause retries fit (10 ms each, at least half of 20 ms).
        Assert.InRange(counter.Retries, 1, 10);
    }

    [Fact]
    public async Task RetryCounter_ProgressBetweenFailures_StartsTheCountAndTheWindowAgain()
    {
        var options = new HttpOtaClientOptions { RetryDelay = TimeSpan.Zero, MaxRetryDelay = TimeSpan.Zero, MaxRetries = 1 };
        var counter = new HttpRetry.RetryCounter(options);

        for (int i = 0; i < 20; i++)
        {
            await counter.FailedAsync(new IOException("cut"), progressed: true, CancellationToken.None);
        }

        await counter.FailedAsync(new IOException("cut"), progressed: true, CancellationToken.None);
        var e = await Assert.ThrowsAsync<EspException>(() => counter.FailedAsync(new IOException("cut"), progressed: false, CancellationToken.None));
        Assert.Equal((EspError.HttpConnectionClosed, 21), (e.Code, counter.Retries));
    }
}

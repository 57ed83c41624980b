using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace EspOta.Server;

/// <summary>
/// Reads a request body with an idle timeout (no bytes for <c>RequestBodyIdleTimeout</c>) and turns a
/// client that stalls, disconnects or sends less than its Content-Length into a <see cref="ClientBodyException"/>
/// — the client's fault, answered with 408/400 and logged below error level.
/// </summary>
internal sealed class RequestBodyReader : IDisposable
{
    private readonly System.IO.Pipelines.PipeReader _pipe;
    private readonly CancellationTokenRegistration _onIdle;
    private readonly TimeSpan _idleTimeout;
    private readonly CancellationToken _requestAborted;
    private readonly CancellationTokenSource _idle;

    public RequestBodyReader(HttpRequest request, TimeSpan idleTimeout, CancellationToken cancellationToken)
    {
        _pipe = request.BodyReader;
        _idleTimeout = idleTimeout;
        _requestAborted = cancellationToken;
        _idle = new CancellationTokenSource();
        var pipe = _pipe;
        _onIdle = _idle.Token.Register(() => pipe.CancelPendingRead());
    }

    /// <summary>Reads what is there, waiting at most the idle timeout for the first byte; 0 at the end of the body.</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> buffer)
    {
        // CancelPendingRead rather than a cancelled token: a read cancelled by token leaves Kestrel's
        // body reader "in progress", and it then logs an error when it drains the connection.
        var pipe = _pipe;
        _idle.CancelAfter(_idleTimeout);
        try
        {
            while (true)
            {
                var result = await pipe.ReadAsync(_requestAborted).ConfigureAwait(false);
                if (result.IsCanceled)
                {
                    pipe.AdvanceTo(result.Buffer.Start);
                    throw new ClientBodyException(StatusCodes.Status408RequestTimeout, $"no bytes of the request body arrived for {_idleTimeout.TotalSeconds:0.###} s");
                }

                var available = result.Buffer;
                int n = (int)Math.Min(available.Length, buffer.Length);
                available.Slice(0, n).CopyTo(buffer.Span);
                pipe.AdvanceTo(available.GetPosition(n));
                if (n > 0 || result.IsCompleted)
                {
                    return n;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new ClientBodyException(StatusCodes.Status400BadRequest, "the client went away while sending the body");
        }
        catch (BadHttpRequestException e) when (e.StatusCode != StatusCodes.Status413PayloadTooLarge)
        {
            // Kestrel: "Unexpected end of request content" (400), a too-slow data rate (408).
            throw new ClientBodyException(e.StatusCode, e.StatusCode == StatusCodes.Status408RequestTimeout
                ? "the request body arrived too slowly"
                : "the request body ended before its Content-Length");
        }
        catch (IOException e) when (e is not BadHttpRequestException)
        {
            // Connection reset while reading (BadHttpRequestException is an IOException too: a 413 goes to the caller).
            throw new ClientBodyException(StatusCodes.Status400BadRequest, "the connection broke while the body was being sent");
        }
        finally
        {
            _idle.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        _onIdle.Dispose();
        _idle.Dispose();
    }
}

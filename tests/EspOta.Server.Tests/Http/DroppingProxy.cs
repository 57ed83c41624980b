using System.Net;
using System.Net.Sockets;

namespace EspOta.Server.Tests.Http;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of the server that cuts the connection once, after a given
/// number of response bytes has passed: a dropped Wi-Fi link in the middle of a download. With
/// <c>stall</c> it keeps the connection open and silent instead (a link that hangs).
/// </summary>
internal sealed class DroppingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private long _cutAfter;
    private readonly bool _stall;
    private int _drops;

    public DroppingProxy(Uri target, long cutAfterResponseBytes, bool stall = false)
    {
        _target = target;
        _cutAfter = cutAfterResponseBytes;
        _stall = stall;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Uri BaseAddress => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>The same port for a TLS server behind it (the proxy passes bytes; TLS runs end to end through it).</summary>
    public Uri SecureBaseAddress => new($"https://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>Connections cut so far.</summary>
    public int Drops => Volatile.Read(ref _drops);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => PumpAsync(client));
        }
    }

    private async Task PumpAsync(TcpClient client)
    {
        using var _ = client;
        using var server = new TcpClient();
        await server.ConnectAsync(_target.Host, _target.Port);
        using var cut = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var up = CopyAsync(client.GetStream(), server.GetStream(), countResponse: false, cut);
        var down = CopyAsync(server.GetStream(), client.GetStream(), countResponse: true, cut);
        await Task.WhenAny(up, down);
        await cut.CancelAsync();
        client.Client.Close();
        server.Client.Close();
    }

    private async Task CopyAsync(NetworkStream from, NetworkStream to, bool countResponse, CancellationTokenSource cut)
    {
        var buffer = new byte[8192];
        try
        {
            while (true)
            {
                int n = await from.ReadAsync(buffer, cut.Token);
                if (n == 0)
                {
                    return;
                }

                if (countResponse && Interlocked.Read(ref _cutAfter) > 0)
                {
                    long left = Interlocked.Add(ref _cutAfter, -n);
                    if (left <= 0)
                    {
                        // Forward only up to the cut point, then drop the connection without a FIN-clean end.
                        int allowed = (int)(n + left);
                        await to.WriteAsync(buffer.AsMemory(0, allowed), cut.Token);
                        Interlocked.Exchange(ref _cutAfter, 0);
                        Interlocked.Increment(ref _drops);
                        if (_stall)
                        {
                            await Task.Delay(Timeout.Infinite, cut.Token);
                        }

                        return;
                    }
                }

                await to.WriteAsync(buffer.AsMemory(0, n), cut.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MailKit.Security;

namespace PrPortal.Infrastructure.Smtp;

/// <summary>Where and how to open an SMTP connection.</summary>
public sealed record SmtpEndpoint(IPAddress Bind, string Host, IPAddress Address, int Port, SecureSocketOptions Security, bool ValidateCertificate);

/// <summary>
/// Open SMTP connections kept per (source IP, server address, port) and handed out again, so a busy
/// MX sees one connection carry many messages. Connections are opened from the chosen source IP.
/// </summary>
public sealed class SmtpConnectionPool(string heloName, TimeSpan connectTimeout, TimeSpan commandTimeout, TimeSpan idleTimeout, int maxIdlePerEndpoint)
    : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentStack<RecordingSmtpClient>> _idle = new();
    private int _opened;

    public int Opened => _opened;

    public sealed class Lease(RecordingSmtpClient client, string key, bool reused)
    {
        public RecordingSmtpClient Client { get; } = client;
        public string Key { get; } = key;
        public bool Reused { get; } = reused;
    }

    public async Task<Lease> RentAsync(SmtpEndpoint endpoint, CancellationToken cancellationToken)
    {
        var key = $"{endpoint.Bind}|{endpoint.Address}|{endpoint.Port}";
        if (_idle.TryGetValue(key, out var stack))
        {
            while (stack.TryPop(out var idle))
            {
                if (idle.IsConnected && DateTime.UtcNow - idle.LastUsedUtc < idleTimeout)
                {
                    return new Lease(idle, key, reused: true);
                }
                await CloseAsync(idle);
            }
        }
        return new Lease(await OpenAsync(endpoint, cancellationToken), key, reused: false);
    }

    /// <summary>Gives a connection back; one that failed or is closed is shut instead.</summary>
    public async Task ReturnAsync(Lease lease, bool healthy)
    {
        lease.Client.LastUsedUtc = DateTime.UtcNow;
        if (healthy && lease.Client.IsConnected)
        {
            var stack = _idle.GetOrAdd(lease.Key, _ => new ConcurrentStack<RecordingSmtpClient>());
            if (stack.Count < maxIdlePerEndpoint)
            {
                stack.Push(lease.Client);
                return;
            }
        }
        await CloseAsync(lease.Client);
    }

    private async Task<RecordingSmtpClient> OpenAsync(SmtpEndpoint endpoint, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(connectTimeout);
        var socket = new Socket(endpoint.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var client = new RecordingSmtpClient
        {
            LocalDomain = heloName,
            Timeout = (int)commandTimeout.TotalMilliseconds,
        };
        if (!endpoint.ValidateCertificate)
        {
            // Opportunistic TLS between MTAs: encryption without name checks, as MTAs do.
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        }
        try
        {
            socket.Bind(new IPEndPoint(endpoint.Bind, 0));
            await socket.ConnectAsync(endpoint.Address, endpoint.Port, timeout.Token);
            Interlocked.Increment(ref _opened);
            try
            {
                await client.ConnectAsync(socket, endpoint.Host, endpoint.Port, endpoint.Security, timeout.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or TimeoutException or IOException && !cancellationToken.IsCancellationRequested)
            {
                // Whichever timer fired first (ours or MailKit's), or the server hung up: no usable greeting.
                throw new IOException($"no greeting from {endpoint.Host} [{endpoint.Address}]:{endpoint.Port} within {connectTimeout.TotalSeconds:0.#} s ({e.Message})", e);
            }
            // Declaring SIZE makes MailKit serialise every message twice (once to measure it); the
            // declaration is optional (RFC 1870) and an oversized message is still refused after DATA.
            client.Capabilities &= ~MailKit.Net.Smtp.SmtpCapabilities.Size;
            return client;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            client.Dispose();
            throw new TimeoutException($"no connection to {endpoint.Host} [{endpoint.Address}]:{endpoint.Port} within {connectTimeout.TotalSeconds:0.#} s");
        }
        catch
        {
            socket.Dispose();
            client.Dispose();
            throw;
        }
    }

    private static async Task CloseAsync(RecordingSmtpClient client)
    {
        try
        {
            if (client.IsConnected)
            {
                using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await client.DisconnectAsync(quit: true, quit.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or MailKit.ProtocolException or SocketException or MailKit.Net.Smtp.SmtpCommandException)
        {
            // Closing a broken connection: nothing more to learn from it.
        }
        finally
        {
            client.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var stack in _idle.Values)
        {
            while (stack.TryPop(out var client))
            {
                await CloseAsync(client);
            }
        }
    }
}

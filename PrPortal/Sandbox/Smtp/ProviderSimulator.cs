using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace PrPortal.Sandbox.Smtp;

/// <summary>A message the simulator accepted, as the receiving side saw it.</summary>
public sealed record ReceivedMail(string Provider, string SourceIp, string MailFrom, IReadOnlyList<string> Recipients, string? MessageId, int Bytes, DateTimeOffset At, string? Raw = null);

/// <summary>
/// An SMTP server on a loopback address that answers like one mailbox provider: it accepts, rejects
/// or defers by the connecting source IP and by recipient, with the provider's real reply texts, and can
/// misbehave on purpose (silence, a TCP reset in the middle of DATA, multi-line replies). The point is
/// byte-level control of the conversation, which is why it is a small server of its own.
/// </summary>
public sealed partial class ProviderSimulator : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<IPAddress, string> _productionAddress;
    private readonly ConcurrentDictionary<string, int> _connections = new();
    private readonly ConcurrentDictionary<string, int> _open = new();
    private readonly ConcurrentDictionary<string, int> _peakOpen = new();
    private readonly ConcurrentQueue<ReceivedMail> _received = new();
    private readonly ConcurrentBag<Task> _sessions = [];
    private Task? _acceptLoop;

    public ProviderSimulator(ProviderProfile profile, IPEndPoint endpoint, Func<IPAddress, string>? productionAddress = null)
    {
        Profile = profile;
        _listener = new TcpListener(endpoint);
        _productionAddress = productionAddress ?? (ip => ip.ToString());
    }

    public ProviderProfile Profile { get; }
    public SimulatorRules Rules { get; } = new();
    public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndpoint;
    public IReadOnlyCollection<ReceivedMail> Received => _received;
    /// <summary>TCP connections accepted, per production source address.</summary>
    public IReadOnlyDictionary<string, int> Connections => _connections;
    public int TotalConnections => _connections.Values.Sum();
    /// <summary>The most connections one production source address held open at the same time.</summary>
    public IReadOnlyDictionary<string, int> PeakConcurrentConnections => _peakOpen;
    /// <summary>Holds every reply back this long: a slow server, for concurrency tests.</summary>
    public TimeSpan ReplyDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Keep each received message's text (headers and body) for a test to read; off, so long runs stay small.</summary>
    public bool KeepMessages { get; set; }

    public void Start()
    {
        _listener.Start(backlog: 512);
        _acceptLoop = AcceptLoopAsync();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            _sessions.Add(Task.Run(() => ServeAsync(socket)));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var source = _productionAddress(((IPEndPoint)socket.RemoteEndPoint!).Address);
        _connections.AddOrUpdate(source, 1, (_, n) => n + 1);
        var open = _open.AddOrUpdate(source, 1, (_, n) => n + 1);
        _peakOpen.AddOrUpdate(source, open, (_, peak) => Math.Max(peak, open));
        var block = Rules.BlockFor(source);
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            using var reader = new StreamReader(stream, Encoding.Latin1, false, 8192, leaveOpen: true);
            var token = _stop.Token;

            if (block?.Stage == BlockStage.Silence)
            {
                // Read and ignore everything until the client gives up.
                var sink = new char[4096];
                while (await reader.ReadAsync(sink, token) > 0)
                {
                }
                return;
            }
            if (block?.Stage == BlockStage.Greeting)
            {
                await ReplyAsync(stream, Fill(block.Text, source), token);
                return;
            }
            await ReplyAsync(stream, Profile.Greeting, token);

            string? mailFrom = null;
            var recipients = new List<string>();
            while (await reader.ReadLineAsync(token) is { } line)
            {
                block = Rules.BlockFor(source); // rules change at run time, even within a connection
                var verb = line.Length >= 4 ? line[..4].ToUpperInvariant() : line.ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await ReplyAsync(stream, $"250-{Host}\n250-SIZE 157286400\n250-8BITMIME\n250 ENHANCEDSTATUSCODES", token);
                        break;
                    case "HELO":
                        await ReplyAsync(stream, $"250 {Host}", token);
                        break;
                    case "MAIL":
                        if (block?.Stage == BlockStage.MailFrom)
                        {
                            await ReplyAsync(stream, Fill(block.Text, source), token);
                            break;
                        }
                        mailFrom = Address(line);
                        recipients.Clear();
                        await ReplyAsync(stream, "250 2.1.0 Sender OK", token);
                        break;
                    case "RCPT":
                        var rcpt = Address(line);
                        if (mailFrom is null)
                        {
                            await ReplyAsync(stream, "503 5.5.1 Error: need MAIL command", token);
                        }
                        else if (block?.Stage == BlockStage.Rcpt)
                        {
                            await ReplyAsync(stream, Fill(block.Text, source, rcpt), token);
                        }
                        else if (Rules.AddressReply(rcpt) is { } personal)
                        {
                            await ReplyAsync(stream, Fill(personal, source, rcpt), token);
                        }
                        else
                        {
                            recipients.Add(rcpt);
                            await ReplyAsync(stream, "250 2.1.5 Recipient OK", token);
                        }
                        break;
                    case "DATA":
                        if (recipients.Count == 0)
                        {
                            await ReplyAsync(stream, "554 5.5.1 Error: no valid recipients", token);
                            break;
                        }
                        await ReplyAsync(stream, "354 Start mail input; end with <CRLF>.<CRLF>", token);
                        if (block?.Stage == BlockStage.ResetInData)
                        {
                            await reader.ReadLineAsync(token);
                            socket.LingerState = new LingerOption(true, 0); // close with RST, as au does
                            socket.Close();
                            return;
                        }
                        var (messageId, bytes, raw) = await ReadDataAsync(reader, KeepMessages, token);
                        if (block?.Stage == BlockStage.AfterData)
                        {
                            await ReplyAsync(stream, Fill(block.Text, source), token);
                        }
                        else
                        {
                            _received.Enqueue(new ReceivedMail(Profile.Provider, source, mailFrom!, [.. recipients], messageId, bytes, DateTimeOffset.UtcNow, raw));
                            await ReplyAsync(stream, Profile.Accepted.Replace("{msgid}", messageId?.Trim('<', '>') ?? "sandbox"), token);
                        }
                        mailFrom = null;
                        recipients.Clear();
                        break;
                    case "RSET":
                        mailFrom = null;
                        recipients.Clear();
                        await ReplyAsync(stream, "250 2.0.0 OK", token);
                        break;
                    case "NOOP":
                        await ReplyAsync(stream, "250 2.0.0 OK", token);
                        break;
                    case "QUIT":
                        await ReplyAsync(stream, "221 2.0.0 Bye", token);
                        return;
                    default:
                        await ReplyAsync(stream, "502 5.5.2 Error: command not recognized", token);
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away or the simulator is stopping.
        }
        finally
        {
            _open.AddOrUpdate(source, 0, (_, n) => n - 1);
            socket.Dispose();
        }
    }

    private string Host => Profile.Greeting.Split(' ') is [_, var host, ..] ? host : "sandbox";

    private static async Task<(string? MessageId, int Bytes, string? Raw)> ReadDataAsync(StreamReader reader, bool keep, CancellationToken token)
    {
        string? messageId = null;
        var raw = keep ? new StringBuilder() : null;
        var bytes = 0;
        var inHeaders = true;
        while (await reader.ReadLineAsync(token) is { } line)
        {
            if (line == ".")
            {
                break;
            }
            bytes += line.Length + 2;
            // Dot-stuffing (RFC 5321 §4.5.2) undone for the kept text.
            raw?.Append(line.StartsWith("..") ? line[1..] : line).Append("\r\n");
            if (inHeaders)
            {
                if (line.Length == 0)
                {
                    inHeaders = false;
                }
                else if (line.StartsWith("Message-ID:", StringComparison.OrdinalIgnoreCase))
                {
                    messageId = line["Message-ID:".Length..].Trim();
                }
            }
        }
        return (messageId, bytes, raw?.ToString());
    }

    /// <summary>Writes a reply given with "\n" between its lines, each already carrying its code.</summary>
    private async Task ReplyAsync(Stream stream, string reply, CancellationToken token)
    {
        if (ReplyDelay > TimeSpan.Zero)
        {
            await Task.Delay(ReplyDelay, token);
        }
        var wire = reply.Replace("\r\n", "\n").Replace("\n", "\r\n") + "\r\n";
        await stream.WriteAsync(Encoding.Latin1.GetBytes(wire), token);
    }

    private static string Fill(string text, string ip, string rcpt = "") => text.Replace("{ip}", ip).Replace("{rcpt}", rcpt);

    private static string Address(string line) => AddressPattern().Match(line) is { Success: true } m ? m.Groups[1].Value : "";

    [GeneratedRegex("<([^>]*)>")]
    private static partial Regex AddressPattern();

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _stop.CancelAsync();
        _listener.Stop();
        if (_acceptLoop is not null)
        {
            await _acceptLoop;
        }
        await Task.WhenAll(_sessions.ToArray()).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
        _stop.Dispose();
    }
}

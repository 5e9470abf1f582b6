using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using PrPortal.Data.Entities;
using PrPortal.Features.Providers;
using PrPortal.Infrastructure.Dns;
using PrPortal.Infrastructure.Smtp;

namespace PrPortal.Features.Delivery;

/// <summary>A sending IP as the engine uses it: its production address and the local address it binds.</summary>
public sealed record SendingRoute(int SendingIpId, string Address, IPAddress Bind, SendingIpRole Role)
{
    public static SendingRoute From(SendingIp ip) =>
        new(ip.Id, ip.Address, IPAddress.Parse(ip.BindAddress ?? ip.Address), ip.Role);
}

public sealed record OutgoingRecipient(string Address, long? DeliveryId = null);

public sealed record SendRequest(MimeMessage Message, string EnvelopeFrom, IReadOnlyList<OutgoingRecipient> Recipients, SendingRoute Route);

/// <summary>What one recipient's attempt came to; the reply text is the server's, verbatim.</summary>
public sealed record AttemptResult(
    OutgoingRecipient Recipient,
    DateTime AttemptedAtUtc,
    SendingRoute Route,
    string Provider,
    string? MxHost,
    int? ReplyCode,
    string? EnhancedStatus,
    string? ReplyText,
    string? Error,
    AttemptOutcome Outcome);

/// <summary>
/// Sends a message from a chosen source IP straight to each recipient domain's MX hosts in preference
/// order (A record when there is no MX; the next MX when one cannot be reached), or through the
/// configured relay. Connections are reused per source IP and server, bounded per source IP and per
/// provider, and every recipient ends with an attempt result: accepted, deferred, rejected or error.
/// </summary>
public sealed class DeliveryEngine(
    IDnsResolver dns,
    ProviderResolver providers,
    DeliveryOptions options,
    TimeProvider clock,
    ILogger<DeliveryEngine> logger,
    SenderAuth.SenderGate? gate = null) : IAsyncDisposable
{
    private readonly SmtpConnectionPool _pool = new(
        options.HeloName,
        TimeSpan.FromSeconds(options.ConnectTimeoutSeconds),
        TimeSpan.FromSeconds(options.CommandTimeoutSeconds),
        TimeSpan.FromSeconds(options.IdleTimeoutSeconds),
        options.MaxIdleConnectionsPerHost);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _perIp = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _perProvider = new();
    private readonly ConcurrentDictionary<string, (RouteSet Routes, DateTimeOffset Until)> _routes = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, (IReadOnlyList<IPAddress> Addresses, DateTimeOffset Until)> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private static readonly TimeSpan MaxDnsCache = TimeSpan.FromMinutes(5);

    /// <summary>TCP connections opened so far (the rest were reused).</summary>
    public int ConnectionsOpened => _pool.Opened;

    public async Task<IReadOnlyList<AttemptResult>> SendAsync(SendRequest request, CancellationToken cancellationToken)
    {
        if (gate is not null)
        {
            // A custom From goes out only verified and DKIM-signed; otherwise the service's From replaces it.
            await gate.ApplyAsync(request.Message, cancellationToken);
        }
        var results = new List<AttemptResult>();
        var valid = new List<(OutgoingRecipient Recipient, MailboxAddress Mailbox, string Domain)>();
        foreach (var recipient in request.Recipients)
        {
            if (MailboxAddress.TryParse(recipient.Address, out var mailbox) && mailbox.Domain is { Length: > 0 } domain
                && Uri.CheckHostName(domain) == UriHostNameType.Dns && !recipient.Address.Contains(' '))
            {
                valid.Add((recipient, mailbox, domain.ToLowerInvariant()));
            }
            else
            {
                results.Add(Failure(recipient, request.Route, ProviderClassifier.Unknown, null, "invalid recipient address; not sent"));
            }
        }

        if (valid.Count > 0 && valid.All(v => v.Domain == valid[0].Domain))
        {
            // The common case, one recipient per message (VERP): no fan-out needed.
            results.AddRange(await SendToDomainAsync(request, valid[0].Domain, valid.Select(v => (v.Recipient, v.Mailbox)).ToList(), cancellationToken));
            return results;
        }
        var perDomain = await Task.WhenAll(valid.GroupBy(v => v.Domain).Select(group =>
            SendToDomainAsync(request, group.Key, group.Select(g => (g.Recipient, g.Mailbox)).ToList(), cancellationToken)));
        results.AddRange(perDomain.SelectMany(r => r));
        return results;
    }

    private async Task<List<AttemptResult>> SendToDomainAsync(
        SendRequest request, string domain, List<(OutgoingRecipient Recipient, MailboxAddress Mailbox)> recipients, CancellationToken cancellationToken)
    {
        var provider = (await providers.ResolveAsync(domain, cancellationToken)).Provider;
        var routes = await RoutesAsync(domain, cancellationToken);
        if (routes.Error is not null)
        {
            return recipients.Select(r => Failure(r.Recipient, request.Route, provider, null, routes.Error)).ToList();
        }

        var ipGate = _perIp.GetOrAdd(request.Route.Address, _ => new SemaphoreSlim(options.MaxConnectionsPerIp));
        var providerGate = _perProvider.GetOrAdd(provider, _ => new SemaphoreSlim(options.MaxConnectionsPerProvider));
        await ipGate.WaitAsync(cancellationToken);
        try
        {
            await providerGate.WaitAsync(cancellationToken);
            try
            {
                return await TryHostsAsync(request, provider, routes.Hosts, recipients, cancellationToken);
            }
            finally
            {
                providerGate.Release();
            }
        }
        finally
        {
            ipGate.Release();
        }
    }

    private sealed record RouteSet(IReadOnlyList<(string Host, int Port)> Hosts, string? Error);

    /// <summary>The domain's MX hosts, kept for their TTL (at most 5 minutes); failures are asked again every time.</summary>
    private async Task<RouteSet> RoutesAsync(string domain, CancellationToken cancellationToken)
    {
        if (options.IsRelay)
        {
            return new RouteSet([], null); // resolved per message from the route's pool role
        }
        var now = clock.GetUtcNow();
        if (_routes.TryGetValue(domain, out var cached) && cached.Until > now)
        {
            return cached.Routes;
        }
        var mx = await dns.MxAsync(domain, cancellationToken);
        var routes = mx.Status switch
        {
            DnsStatus.Ok => new RouteSet(mx.Records.Select(r => (r.Host, options.SmtpPort)).ToList(), null),
            DnsStatus.NoRecords => new RouteSet([(domain, options.SmtpPort)], null), // RFC 5321 §5.1: the domain's own A
            DnsStatus.NxDomain => new RouteSet([], $"recipient domain {domain} does not exist (NXDOMAIN)"),
            _ => new RouteSet([], $"MX lookup for {domain} failed: {mx.Error}"),
        };
        if (mx.Status is DnsStatus.Ok or DnsStatus.NoRecords)
        {
            _routes[domain] = (routes, now + (mx.Ttl < MaxDnsCache ? mx.Ttl : MaxDnsCache));
        }
        return routes;
    }

    private async Task<DnsAnswer<IPAddress>> HostAddressesAsync(string host, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_hosts.TryGetValue(host, out var cached) && cached.Until > now)
        {
            return new DnsAnswer<IPAddress>(DnsStatus.Ok, cached.Addresses, cached.Until - now);
        }
        var answer = await dns.AddressesAsync(host, cancellationToken);
        if (answer.Status == DnsStatus.Ok)
        {
            _hosts[host] = (answer.Records, now + (answer.Ttl < MaxDnsCache ? answer.Ttl : MaxDnsCache));
        }
        return answer;
    }

    private async Task<List<AttemptResult>> TryHostsAsync(
        SendRequest request, string provider, IReadOnlyList<(string Host, int Port)> hosts,
        List<(OutgoingRecipient Recipient, MailboxAddress Mailbox)> recipients, CancellationToken cancellationToken)
    {
        if (options.IsRelay)
        {
            var role = request.Route.Role.ToString();
            if (!options.Relays.TryGetValue(role, out var relay) || !TryParseHostPort(relay, out var relayHost, out var relayPort))
            {
                return recipients.Select(r => Failure(r.Recipient, request.Route, provider, null, $"no relay configured for the {role} pool (Delivery:Relays:{role})")).ToList();
            }
            hosts = [(relayHost, relayPort)];
        }

        string lastError = "no MX host to try";
        string? lastHost = null;
        List<AttemptResult>? lastDeferral = null;
        foreach (var (host, port) in hosts)
        {
            lastHost = host;
            var addresses = await HostAddressesAsync(host, cancellationToken);
            if (addresses.Status != DnsStatus.Ok)
            {
                lastError = $"address lookup for MX {host} failed: {addresses.Status} {addresses.Error}".TrimEnd();
                continue;
            }
            foreach (var address in addresses.Records)
            {
                var endpoint = new SmtpEndpoint(request.Route.Bind, host, address, port,
                    options.IsRelay ? SecureSocketOptions.StartTlsWhenAvailable : SecureSocketOptions.StartTlsWhenAvailable,
                    ValidateCertificate: options.IsRelay);
                var outcome = await TryEndpointAsync(request, provider, endpoint, recipients, cancellationToken);
                switch (outcome)
                {
                    case { Results: { } done, NextHost: false }:
                        return done;
                    case { Results: { } deferred }:
                        lastDeferral = deferred; // 4xx greeting: try the next MX, keep the reply if none does better
                        break;
                    case { Error: { } error }:
                        lastError = error;
                        break;
                }
            }
        }
        return lastDeferral ?? recipients.Select(r => Failure(r.Recipient, request.Route, provider, lastHost, lastError)).ToList();
    }

    private sealed record EndpointOutcome(List<AttemptResult>? Results, bool NextHost, string? Error);

    private async Task<EndpointOutcome> TryEndpointAsync(
        SendRequest request, string provider, SmtpEndpoint endpoint,
        List<(OutgoingRecipient Recipient, MailboxAddress Mailbox)> recipients, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            SmtpConnectionPool.Lease lease;
            try
            {
                lease = await _pool.RentAsync(endpoint, cancellationToken);
            }
            catch (SmtpCommandException e)
            {
                // A refusal instead of the greeting (421 …): a reply, but another MX may take the mail.
                var reply = SmtpReply.FromParsed((int)e.StatusCode, e.Message);
                return new EndpointOutcome(recipients.Select(r => Result(r.Recipient, request.Route, provider, endpoint.Host, reply)).ToList(),
                    NextHost: true, null);
            }
            catch (Exception e) when (IsConnectionFault(e) && !cancellationToken.IsCancellationRequested)
            {
                return new EndpointOutcome(null, NextHost: true, $"connect to {endpoint.Host} [{endpoint.Address}]:{endpoint.Port} from {request.Route.Bind} failed: {e.Message}");
            }

            var healthy = false;
            try
            {
                if (options.IsRelay && !lease.Client.IsAuthenticated && options.RelayUsername is { Length: > 0 } user)
                {
                    await lease.Client.AuthenticateAsync(user, options.RelayPassword ?? "", cancellationToken);
                }
                var results = await TransactAsync(lease.Client, request, provider, endpoint.Host, recipients, cancellationToken);
                // After a refused MAIL or a finished DATA the session is clean; after all RCPTs were
                // refused a MAIL is still open, so that connection is not handed out again.
                healthy = !lease.Client.TransactionLeftOpen;
                return new EndpointOutcome(results, NextHost: false, null);
            }
            catch (Exception e) when (IsConnectionFault(e) && !cancellationToken.IsCancellationRequested)
            {
                var stage = lease.Client.Stage;
                // A pooled connection the server closed while idle fails before MAIL is answered: retry once on a new one.
                if (lease.Reused && attempt == 0 && stage is "MAIL" or "connect")
                {
                    continue;
                }
                var error = $"connection to {endpoint.Host} [{endpoint.Address}] lost during {stage}: {e.Message}";
                return new EndpointOutcome(
                    recipients.Select(r => Failure(r.Recipient, request.Route, provider, endpoint.Host, error)).ToList(), NextHost: false, null);
            }
            finally
            {
                await _pool.ReturnAsync(lease, healthy);
            }
        }
        return new EndpointOutcome(null, NextHost: true, $"connection to {endpoint.Host} closed twice before MAIL");
    }

    private async Task<List<AttemptResult>> TransactAsync(
        RecordingSmtpClient client, SendRequest request, string provider, string mxHost,
        List<(OutgoingRecipient Recipient, MailboxAddress Mailbox)> recipients, CancellationToken cancellationToken)
    {
        client.BeginTransaction();
        SmtpReply? messageReply;
        try
        {
            var response = await client.SendAsync(request.Message, MailboxAddress.Parse(request.EnvelopeFrom),
                recipients.Select(r => r.Mailbox), cancellationToken);
            messageReply = SmtpReply.FromParsed(250, response);
        }
        catch (SmtpCommandException e) when (e.ErrorCode == SmtpErrorCode.SenderNotAccepted)
        {
            var reply = SmtpReply.FromParsed((int)e.StatusCode, e.Message);
            return recipients.Select(r => Result(r.Recipient, request.Route, provider, mxHost, reply)).ToList();
        }
        catch (SmtpCommandException e) when (e.ErrorCode is SmtpErrorCode.MessageNotAccepted or SmtpErrorCode.UnexpectedStatusCode)
        {
            messageReply = SmtpReply.FromParsed((int)e.StatusCode, e.Message);
        }
        catch (NoRecipientsAcceptedException)
        {
            messageReply = null;
        }

        return recipients.Select(r =>
        {
            var rcpt = client.RecipientReplies.GetValueOrDefault(r.Mailbox.Address);
            // Refused at RCPT: that reply is the recipient's; accepted at RCPT: the reply after DATA is.
            if (rcpt is not null && (int)rcpt.StatusCode >= 400)
            {
                return Result(r.Recipient, request.Route, provider, mxHost, SmtpReply.FromParsed((int)rcpt.StatusCode, rcpt.Response));
            }
            return messageReply is null
                ? Failure(r.Recipient, request.Route, provider, mxHost, "no reply to RCPT TO recorded")
                : Result(r.Recipient, request.Route, provider, mxHost, messageReply);
        }).ToList();
    }

    private AttemptResult Result(OutgoingRecipient recipient, SendingRoute route, string provider, string? mxHost, SmtpReply reply) =>
        new(recipient, clock.GetUtcNow().UtcDateTime, route, provider, mxHost, reply.Code, reply.EnhancedStatus, reply.Text, null,
            reply.Code switch { < 400 => AttemptOutcome.Accepted, < 500 => AttemptOutcome.Deferred, _ => AttemptOutcome.Rejected });

    private AttemptResult Failure(OutgoingRecipient recipient, SendingRoute route, string provider, string? mxHost, string error)
    {
        logger.LogDebug("Delivery to {Recipient} from {Ip} failed: {Error}", recipient.Address, route.Address, error);
        return new(recipient, clock.GetUtcNow().UtcDateTime, route, provider, mxHost, null, null, null, error, AttemptOutcome.Error);
    }

    private static bool IsConnectionFault(Exception e) =>
        e is IOException or SocketException or TimeoutException or ProtocolException or ServiceNotConnectedException
            or OperationCanceledException or SslHandshakeException or ObjectDisposedException;

    private static bool TryParseHostPort(string value, out string host, out int port)
    {
        var colon = value.LastIndexOf(':');
        host = colon > 0 ? value[..colon] : value;
        port = 25;
        return colon < 0 || int.TryParse(value[(colon + 1)..], out port);
    }

    public ValueTask DisposeAsync() => _pool.DisposeAsync();
}

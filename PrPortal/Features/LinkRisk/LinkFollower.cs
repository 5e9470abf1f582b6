using PrPortal.Infrastructure.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.RegularExpressions;
using PrPortal.Infrastructure.Dns;

namespace PrPortal.Features.LinkRisk;

/// <summary>Thrown in the connect step when a host resolves to an address the policy refuses.</summary>
public sealed class LinkRefusedException(string message) : Exception(message);

/// <summary>A redirect chain as followed: its hops, the URL it ended at, and what went wrong on the way.</summary>
public sealed record LinkChain(IReadOnlyList<Hop> Hops, Uri? Final, IReadOnlyList<LinkReason> Reasons, string? ContentType, string? FileName);

/// <summary>
/// Follows links hop by hop for one check (one release): redirects off, every address checked at connect time
/// (the socket goes to the address that was checked, so a DNS answer that changes cannot slip through), one
/// cache of host answers, pages and chains for the run. Disposed with the run.
/// </summary>
public sealed partial class LinkFollower : IDisposable
{
    private static readonly HashSet<int> HeadRefused = [400, 403, 404, 405, 406, 501];

    private readonly LinkRiskOptions _options;
    private readonly AddressPolicy _policy;
    private readonly IDnsResolver _dns;
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _gate;
    private readonly RunCache<HostAnswer> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly RunCache<Fetch> _pages = new(StringComparer.Ordinal);
    private readonly RunCache<LinkChain> _chains = new(StringComparer.Ordinal);
    private int _requests;

    public LinkFollower(LinkRiskOptions options, AddressPolicy policy, IDnsResolver dns)
    {
        _options = options;
        _policy = policy;
        _dns = dns;
        _gate = new SemaphoreSlim(Math.Max(1, options.MaxConcurrency));
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(options.HopSeconds),
            MaxConnectionsPerServer = 4,
            MaxResponseHeadersLength = 64,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            ConnectCallback = ConnectAsync,
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
        _http.DefaultRequestHeaders.Accept.ParseAdd("text/html,application/xhtml+xml,*/*;q=0.8");
        _http.DefaultRequestHeaders.AcceptEncoding.ParseAdd("identity");
    }

    /// <summary>HTTP requests made so far in this run (after the cache).</summary>
    public int Requests => _requests;

    private sealed record HostAnswer(IReadOnlyList<IPAddress> Addresses, LinkReason? Problem);

    private sealed record Fetch(int? Status, Uri? Next, string? Note, LinkReason? Problem, string? ContentType, string? FileName);

    public Task<LinkChain> FollowAsync(Uri start, CancellationToken cancellationToken) =>
        _chains.GetOrAdd(start.AbsoluteUri, _ => FollowUncachedAsync(start, cancellationToken));

    private async Task<LinkChain> FollowUncachedAsync(Uri start, CancellationToken cancellationToken)
    {
        var hops = new List<Hop>();
        var reasons = new List<LinkReason>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var current = start;
        string? contentType = null, fileName = null;
        while (true)
        {
            if (!seen.Add(current.AbsoluteUri))
            {
                hops.Add(new Hop(current.AbsoluteUri, null, "seen before in this chain"));
                reasons.Add(LinkReason.Say(ReasonCodes.Loop, Risk.Danger, LocalText.Of("Links.Why.Loop", current.AbsoluteUri)));
                return new LinkChain(hops, null, reasons, null, null);
            }
            if (hops.Count > _options.MaxHops)
            {
                hops.Add(new Hop(current.AbsoluteUri, null, "not followed"));
                reasons.Add(LinkReason.Say(ReasonCodes.TooManyHops, Risk.Danger, LocalText.Of("Links.Why.TooManyHops", _options.MaxHops)));
                return new LinkChain(hops, null, reasons, null, null);
            }
            if (PreCheck(current) is { } refusal)
            {
                hops.Add(new Hop(current.AbsoluteUri, null, "not followed"));
                reasons.Add(refusal);
                return new LinkChain(hops, current, reasons, null, null);
            }
            var host = await ResolveAsync(current.IdnHost, cancellationToken);
            if (host.Problem is { } problem)
            {
                hops.Add(new Hop(current.AbsoluteUri, null, "not followed"));
                reasons.Add(problem);
                return new LinkChain(hops, current, reasons, null, null);
            }
            var fetch = await _pages.GetOrAdd(current.AbsoluteUri, _ => FetchAsync(current, cancellationToken));
            hops.Add(new Hop(current.AbsoluteUri, fetch.Status, fetch.Note));
            if (fetch.Problem is { } failed)
            {
                reasons.Add(failed);
                return new LinkChain(hops, current, reasons, fetch.ContentType, fetch.FileName);
            }
            if (fetch.Next is null)
            {
                contentType = fetch.ContentType;
                fileName = fetch.FileName;
                if (fetch.Status >= 400)
                {
                    reasons.Add(LinkReason.Say(ReasonCodes.HttpError, Risk.Caution, LocalText.Of("Links.Why.HttpError", fetch.Status)));
                }
                return new LinkChain(hops, current, reasons, contentType, fileName);
            }
            current = fetch.Next;
        }
    }

    /// <summary>Scheme and port, before any lookup.</summary>
    private LinkReason? PreCheck(Uri uri)
    {
        if (uri.Scheme is not ("http" or "https"))
        {
            return Scheme(uri);
        }
        if (!_policy.PortAllowed(uri.Port))
        {
            return LinkReason.Say(ReasonCodes.Port, Risk.Caution, LocalText.Of("Links.Why.Port", uri.Port));
        }
        return null;
    }

    public static LinkReason Scheme(Uri uri) => uri.Scheme switch
    {
        "javascript" or "vbscript" or "data" or "file" =>
            LinkReason.Say(ReasonCodes.Scheme, Risk.Danger, LocalText.Of("Links.Why.SchemeHostile", uri.Scheme)),
        _ => LinkReason.Say(ReasonCodes.Scheme, Risk.Caution, LocalText.Of("Links.Why.SchemeOther", uri.Scheme)),
    };

    /// <summary>The host's addresses (A and AAAA), each checked; IP literals in any written form are checked as they are.</summary>
    private Task<HostAnswer> ResolveAsync(string host, CancellationToken cancellationToken) =>
        _hosts.GetOrAdd(host, h => ResolveUncachedAsync(h, cancellationToken));

    private async Task<HostAnswer> ResolveUncachedAsync(string host, CancellationToken cancellationToken)
    {
        var bare = host.Trim('[', ']');
        var literal = IPAddress.TryParse(bare, out var parsed) && (bare.Contains(':') || bare.Count(c => c == '.') == 3)
            ? parsed
            : AddressPolicy.ParseLooseIPv4(bare);
        IReadOnlyList<IPAddress> addresses;
        if (literal is not null)
        {
            addresses = [literal];
        }
        else
        {
            var a = _dns.AddressesAsync(bare, cancellationToken);
            var aaaa = _dns.AaaaAsync(bare, cancellationToken);
            var (v4, v6) = (await a, await aaaa);
            if (v4.Status == DnsStatus.Failed && v6.Status != DnsStatus.Ok)
            {
                return new HostAnswer([], LinkReason.Say(ReasonCodes.DnsError, Risk.Caution, LocalText.Of("Links.Why.DnsError", bare, v4.Error)));
            }
            addresses = [.. v4.Records, .. v6.Records];
            if (addresses.Count == 0)
            {
                return new HostAnswer([], LinkReason.Say(ReasonCodes.NoHost, Risk.Caution,
                    LocalText.Of(v4.Status == DnsStatus.NxDomain ? "Links.Why.NxDomain" : "Links.Why.NoAddress", bare)));
            }
        }
        // Every address must pass: a name that also points inside would otherwise be a coin toss per connection.
        foreach (var address in addresses)
        {
            if (_policy.Refusal(address) is { } why)
            {
                return new HostAnswer(addresses, LinkReason.Say(ReasonCodes.Refused, Risk.Danger, LocalText.Of("Links.Why.Refused", bare).Quoting(why)));
            }
        }
        return new HostAnswer(addresses, null);
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        if (!_policy.PortAllowed(endpoint.Port))
        {
            throw new LinkRefusedException($"port {endpoint.Port} is not allowed");
        }
        var answer = await ResolveAsync(endpoint.Host, cancellationToken);
        if (answer.Problem is { } problem)
        {
            throw new LinkRefusedException(problem.Detail);
        }
        Exception? last = null;
        foreach (var address in answer.Addresses)
        {
            // Checked once more right where the socket is made: the address connected to is the one checked.
            if (_policy.Refusal(address) is { } why)
            {
                throw new LinkRefusedException(why);
            }
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
        }
        throw last ?? new LinkRefusedException($"{endpoint.Host} has no address");
    }

    private async Task<Fetch> FetchAsync(Uri url, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        using var hop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        hop.CancelAfter(TimeSpan.FromSeconds(_options.HopSeconds));
        try
        {
            var head = await SendAsync(HttpMethod.Head, url, hop.Token);
            using (head)
            {
                var status = (int)head.StatusCode;
                if (Redirect(url, head) is { } redirect)
                {
                    return redirect;
                }
                var (type, file) = Content(head);
                var html = type is null || type.Contains("html", StringComparison.OrdinalIgnoreCase);
                if (!HeadRefused.Contains(status) && !(status < 300 && html))
                {
                    return new Fetch(status, null, null, null, type, file);
                }
            }
            using var get = await SendAsync(HttpMethod.Get, url, hop.Token);
            if (Redirect(url, get) is { } moved)
            {
                return moved;
            }
            var (contentType, fileName) = Content(get);
            var getStatus = (int)get.StatusCode;
            if (contentType is not null && !contentType.Contains("html", StringComparison.OrdinalIgnoreCase))
            {
                return new Fetch(getStatus, null, null, null, contentType, fileName);
            }
            var (body, truncated) = await ReadBodyAsync(get, hop.Token);
            var note = truncated ? $"page larger than {_options.MaxBodyBytes / 1024} KB: read the first {_options.MaxBodyBytes / 1024} KB" : null;
            if (getStatus < 400 && PageRedirect(body, !truncated && Encoding.UTF8.GetByteCount(body) <= _options.SmallPageBytes) is { } target)
            {
                if (!Uri.TryCreate(url, target.Url, out var next))
                {
                    return new Fetch(getStatus, null, target.How, LinkReason.Say(ReasonCodes.Malformed, Risk.Caution, LocalText.Of("Links.Why.BadRedirect", target.Url)), contentType, null);
                }
                return new Fetch(getStatus, next, target.How, null, contentType, null);
            }
            return new Fetch(getStatus, null, note, null, contentType, fileName);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Fetch(null, null, "no complete answer", LinkReason.Say(ReasonCodes.Timeout, Risk.Caution,
                LocalText.Of("Links.Why.Timeout", url.Host, _options.HopSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture))), null, null);
        }
        catch (HttpRequestException e) when (Find<LinkRefusedException>(e) is { } refused)
        {
            return new Fetch(null, null, "refused", LinkReason.Say(ReasonCodes.Refused, Risk.Danger, LocalText.Of("Links.Why.Refused", url.Host).Quoting(refused.Message)), null, null);
        }
        catch (HttpRequestException e) when (Find<AuthenticationException>(e) is { } tls)
        {
            return new Fetch(null, null, "TLS failed", LinkReason.Say(ReasonCodes.Tls, Risk.Caution, LocalText.Of("Links.Why.Tls", url.Host).Quoting(tls.Message)), null, null);
        }
        catch (HttpRequestException e)
        {
            return new Fetch(null, null, "no connection", LinkReason.Say(ReasonCodes.Connection, Risk.Caution, LocalText.Of("Links.Why.Connection", url.Host).Quoting(e.Message)), null, null);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        using var request = new HttpRequestMessage(method, url);
        return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    private static Fetch? Redirect(Uri url, HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        if (status is not (301 or 302 or 303 or 307 or 308))
        {
            return null;
        }
        var location = response.Headers.Location;
        if (location is null)
        {
            return new Fetch(status, null, "redirect without Location", null, null, null);
        }
        if (!Uri.TryCreate(url, location.OriginalString, out var next))
        {
            return new Fetch(status, null, null, LinkReason.Say(ReasonCodes.Malformed, Risk.Caution, LocalText.Of("Links.Why.BadRedirect", location.OriginalString)), null, null);
        }
        return new Fetch(status, next, null, null, null, null);
    }

    private static (string? Type, string? FileName) Content(HttpResponseMessage response)
    {
        var disposition = response.Content.Headers.ContentDisposition;
        var file = (disposition?.FileNameStar ?? disposition?.FileName)?.Trim('"');
        return (response.Content.Headers.ContentType?.MediaType, file);
    }

    private async Task<(string Body, bool Truncated)> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[_options.MaxBodyBytes];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }
        // A full buffer is truncated when one more byte is waiting; the rest of a large page is never read.
        var truncated = total == buffer.Length && await stream.ReadAsync(new byte[1], cancellationToken) > 0;
        return (Encoding.UTF8.GetString(buffer, 0, total), truncated);
    }

    [GeneratedRegex(@"(?:(?:window|document|top|self)\.)?location(?:\.href)?\s*=\s*[""']([^""']+)[""']|location\.(?:replace|assign)\(\s*[""']([^""']+)[""']\s*\)", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptRedirect();

    /// <summary>Where a page sends the browser on: a meta refresh, or on small pages a script that sets location.</summary>
    public static (string Url, string How)? PageRedirect(string body, bool smallPage)
    {
        var document = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(body);
        foreach (var meta in document.QuerySelectorAll("meta[http-equiv]"))
        {
            if (string.Equals(meta.GetAttribute("http-equiv"), "refresh", StringComparison.OrdinalIgnoreCase)
                && LinkExtractor.RefreshTarget(meta.GetAttribute("content")) is { } target)
            {
                return (target, "meta refresh");
            }
        }
        if (smallPage)
        {
            foreach (var script in document.QuerySelectorAll("script"))
            {
                var match = ScriptRedirect().Match(script.TextContent);
                if (match.Success)
                {
                    return (match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value, "script location");
                }
            }
        }
        return null;
    }

    private static T? Find<T>(Exception e) where T : Exception
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is T match)
            {
                return match;
            }
        }
        return null;
    }

    public void Dispose()
    {
        _http.Dispose();
        _gate.Dispose();
    }
}

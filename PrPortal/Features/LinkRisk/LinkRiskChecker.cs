using PrPortal.Infrastructure.Text;
using System.Diagnostics;
using System.Text.RegularExpressions;
using PrPortal.Features.SenderAuth;
using PrPortal.Infrastructure.Dns;

namespace PrPortal.Features.LinkRisk;

/// <summary>
/// The link check of one release: extract the links, follow each distinct one, check every host on the way
/// (blocklists, shorteners, look-alikes, IP literals), and compare the end with what the link text shows.
/// The whole check ends within <see cref="LinkRiskOptions.TotalSeconds"/>; links not done by then say so.
/// </summary>
public sealed partial class LinkRiskChecker(LinkRiskOptions options, IDnsResolver dns, PublicSuffixList suffixes, TimeProvider clock)
{
    private readonly AddressPolicy _policy = new(options);
    private readonly HostChecks _hosts = new(options.ExtraShorteners);

    private static readonly string[] ExecutableExtensions =
        [".exe", ".scr", ".msi", ".msix", ".bat", ".cmd", ".com", ".pif", ".vbs", ".vbe", ".js", ".jse", ".wsf", ".hta", ".jar", ".ps1", ".apk", ".dmg", ".pkg", ".iso", ".lnk", ".reg", ".cpl", ".dll"];

    private static readonly string[] ExecutableTypes =
        ["application/x-msdownload", "application/x-msdos-program", "application/x-dosexec", "application/vnd.microsoft.portable-executable",
         "application/x-msi", "application/x-ms-installer", "application/java-archive", "application/vnd.android.package-archive",
         "application/x-apple-diskimage", "application/x-sh", "application/hta"];

    public LinkRiskOptions Options => options;

    public async Task<LinkCheckReport> CheckAsync(string html, IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken) =>
        (await CheckManyAsync([html], progress, cancellationToken))[0];

    /// <summary>
    /// Several documents (the releases of a resend) in one run: a link they share is followed once, and
    /// the one time limit covers them all. One report per document, in order.
    /// </summary>
    public async Task<IReadOnlyList<LinkCheckReport>> CheckManyAsync(IReadOnlyList<string> documents, IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        // One result per link and shown text: the same URL under another text may be a mismatch where this one is not.
        var extracted = documents.Select(html => LinkExtractor.Extract(html).Select(l => (Link: l, Key: (l.Key, Shown: ShownDomain(l.Text)))).ToList()).ToList();
        var distinct = extracted.SelectMany(links => links).DistinctBy(l => l.Key).ToList();

        using var total = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        total.CancelAfter(TimeSpan.FromSeconds(options.TotalSeconds));
        using var follower = new LinkFollower(options, _policy, dns);
        var blocklists = new UriBlocklistChecker(dns, options.Blocklists());
        var done = 0;
        var tasks = distinct.Select(l => l.Link).Select((link, i) => i < options.MaxLinks
            ? CheckOneAsync(link, follower, blocklists, total.Token)
            : Task.FromResult(Result(link, [], null,
                [LinkReason.Say(ReasonCodes.NotChecked, Risk.Caution, LocalText.Of("Links.Why.NotChecked", options.MaxLinks))])))
            .Select(async t =>
            {
                var result = await t;
                progress?.Report((Interlocked.Increment(ref done), distinct.Count));
                return result;
            })
            .ToList();
        var results = await Task.WhenAll(tasks);
        cancellationToken.ThrowIfCancellationRequested();
        var byLink = distinct.Zip(results).ToDictionary(p => p.First.Key, p => p.Second);
        var seconds = clock.GetElapsedTime(started).TotalSeconds;
        return extracted.Select(links => new LinkCheckReport(
                links.GroupBy(l => l.Key)
                    .Select(g => byLink[g.Key] with { Count = g.Count() })
                    .OrderByDescending(r => r.Risk)
                    .ToList(),
                seconds, links.Count, total.IsCancellationRequested))
            .ToList();
    }

    private async Task<LinkResult> CheckOneAsync(ExtractedLink link, LinkFollower follower, UriBlocklistChecker blocklists, CancellationToken cancellationToken)
    {
        await Task.Yield();
        if (link.Uri is not { } uri)
        {
            var relative = link.Error?.StartsWith("relative", StringComparison.Ordinal) == true;
            return Result(link, [], null, [LinkReason.Say(relative ? ReasonCodes.Relative : ReasonCodes.Malformed, Risk.Caution, LocalText.Of("Links.Why.Malformed", Shorten(link.Raw)).Quoting(link.Error))]);
        }
        if (uri.Scheme is "mailto" or "tel" or "sms")
        {
            return Result(link, [], null, []);
        }
        if (uri.Scheme is not ("http" or "https"))
        {
            return Result(link, [new Hop(uri.AbsoluteUri, null, "not followed")], null, [LinkFollower.Scheme(uri)]);
        }
        try
        {
            var chain = await follower.FollowAsync(uri, cancellationToken);
            var reasons = new List<LinkReason>(chain.Reasons);
            var hosts = chain.Hops.Select(h => Uri.TryCreate(h.Url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" ? u.IdnHost : null)
                .OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            await CheckHostsAsync(link, hosts, chain, blocklists, reasons, cancellationToken);
            var redirects = chain.Hops.Count(h => h.Status is >= 300 and < 400 || h.Note is "meta refresh" or "script location");
            if (redirects > options.LongChainHops && !reasons.Any(r => r.Code == ReasonCodes.TooManyHops))
            {
                reasons.Add(LinkReason.Say(ReasonCodes.LongChain, Risk.Caution, LocalText.Of("Links.Why.LongChain", redirects)));
            }
            if (chain.Final is { } final)
            {
                if (Executable(final, chain.ContentType, chain.FileName) is { } exe)
                {
                    reasons.Add(LinkReason.Say(ReasonCodes.Executable, Risk.Danger, exe));
                }
                if (ShownDomain(link.Text) is { } shown && final.Scheme is "http" or "https"
                    && !string.Equals(shown, Registrable(final.IdnHost), StringComparison.OrdinalIgnoreCase)
                    && !(_hosts.Shortener(shown) is not null && string.Equals(shown, Registrable(uri.IdnHost), StringComparison.OrdinalIgnoreCase)))
                {
                    reasons.Add(LinkReason.Say(ReasonCodes.TextMismatch, Risk.Danger, LocalText.Of("Links.Why.TextMismatch", shown, Registrable(final.IdnHost))));
                }
            }
            return Result(link, chain.Hops, chain.Final?.AbsoluteUri, reasons);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Result(link, [new Hop(uri.AbsoluteUri, null, "not finished")], null,
                [LinkReason.Say(ReasonCodes.TimeLimit, Risk.Caution, LocalText.Of("Links.Why.TimeLimit", options.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)))]);
        }
    }

    private async Task CheckHostsAsync(ExtractedLink link, List<string> hosts, LinkChain chain, UriBlocklistChecker blocklists, List<LinkReason> reasons, CancellationToken cancellationToken)
    {
        if (HostChecks.WrittenInPunycode(link.Raw))
        {
            reasons.Add(LinkReason.Say(ReasonCodes.Punycode, Risk.Caution, LocalText.Of("Links.Why.Punycode", HostChecks.Unicode(link.Uri!.IdnHost))));
        }
        foreach (var host in hosts)
        {
            var bare = host.Trim('[', ']');
            if (System.Net.IPAddress.TryParse(bare, out _))
            {
                reasons.Add(LinkReason.Say(ReasonCodes.IpLiteral, Risk.Caution, LocalText.Of("Links.Why.IpLiteral", bare)));
                continue;
            }
            if (_hosts.Shortener(host) is { } shortener)
            {
                reasons.Add(LinkReason.Say(ReasonCodes.Shortener, Risk.Caution,
                    chain.Final is { } f && !string.Equals(f.IdnHost, host, StringComparison.OrdinalIgnoreCase)
                        ? LocalText.Of("Links.Why.ShortenerTo", shortener, f.IdnHost)
                        : LocalText.Of("Links.Why.Shortener", shortener)));
            }
            if (HostChecks.Lookalike(host) is { } lookalike)
            {
                reasons.Add(LinkReason.Say(ReasonCodes.Lookalike, Risk.Danger, LocalText.Of("Links.Why.Lookalike", HostChecks.Describe(host)).Quoting(lookalike)));
            }
            foreach (var listing in await blocklists.CheckAsync(host, Registrable(host), cancellationToken))
            {
                reasons.Add(listing.IsError
                    ? LinkReason.Say(ReasonCodes.BlocklistError, Risk.Caution, LocalText.Of("Links.Why.BlocklistError", listing.Zone, listing.Name).Quoting($"{listing.Meaning} ({listing.Code})"))
                    : LinkReason.Say(ReasonCodes.Listed, listing.Level, LocalText.Of("Links.Why.Listed", listing.Name, listing.Zone).Quoting($"{listing.Meaning} ({listing.Code})")));
            }
        }
    }

    private string Registrable(string host) => suffixes.OrganizationalDomain(host.Trim('[', ']'));

    private static LocalText? Executable(Uri final, string? contentType, string? fileName)
    {
        if (fileName is not null && ExecutableExtensions.Any(e => fileName.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
        {
            return LocalText.Of("Links.Why.ExeFile", fileName);
        }
        if (contentType is not null && ExecutableTypes.Contains(contentType, StringComparer.OrdinalIgnoreCase))
        {
            return LocalText.Of("Links.Why.ExeType", contentType);
        }
        var path = final.AbsolutePath;
        var extension = ExecutableExtensions.FirstOrDefault(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));
        if (extension is not null && contentType is null or "application/octet-stream" && !(extension == ".com" && path.Length <= 5))
        {
            return LocalText.Of("Links.Why.ExeExtension", extension);
        }
        return null;
    }

    [GeneratedRegex(@"(?:https?://)?(?<host>(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+[\p{L}]{2,63})(?=[/:?#\s]|$)", RegexOptions.IgnoreCase)]
    private static partial Regex DomainInText();

    /// <summary>The registrable domain a link's text shows, if it shows one ("www.example.co.jp/news" → example.co.jp).</summary>
    private string? ShownDomain(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var match = DomainInText().Match(text.Trim());
        if (!match.Success)
        {
            return null;
        }
        try
        {
            var ascii = new System.Globalization.IdnMapping().GetAscii(match.Groups["host"].Value.ToLowerInvariant());
            var suffix = suffixes.PublicSuffix(ascii);
            // "README.md" or "v1.2" are not domains: the suffix must be one the list knows.
            return suffix == ascii || !KnownSuffix(suffix) ? null : suffixes.OrganizationalDomain(ascii);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private bool KnownSuffix(string suffix) => suffixes.IsListed(suffix);

    private static LinkResult Result(ExtractedLink link, IReadOnlyList<Hop> hops, string? final, IReadOnlyList<LinkReason> reasons)
    {
        var distinct = reasons.DistinctBy(r => (r.Code, r.Detail)).ToList();
        var risk = distinct.Count == 0 ? Risk.Ok : distinct.Max(r => r.Level);
        return new LinkResult(link.Uri?.AbsoluteUri ?? link.Raw, final, hops, risk, distinct, link.Source, link.Text, 1);
    }

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..117] + "…";
}

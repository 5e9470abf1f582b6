using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Alerts;
using PrPortal.Infrastructure.Dns;

namespace PrPortal.Features.Blocklists;

/// <summary>Section "Blocklists": which DNS servers answer blocklist queries and how hard to ask.</summary>
public sealed record BlocklistOptions
{
    /// <summary>Servers as "ip" or "ip:port" (a local resolver or a Spamhaus DQS-capable one); empty means the Dns section's.</summary>
    public string[] DnsServers { get; init; } = [];
    /// <summary>Blocklist servers answer in milliseconds: a second, then one retry, keeps a lossy sweep under 3 s.</summary>
    public double TimeoutSeconds { get; init; } = 1;
    /// <summary>One retry after a timeout; more only slows a dead server's sweep.</summary>
    public int Retries { get; init; } = 1;
    public int MaxConcurrency { get; init; } = 64;
}

public sealed record CheckSummary(int Ips, int Zones, int Listed, int Clean, int Unknown, int NewListings, int Delistings, IReadOnlyList<string> UntrustedZones)
{
    public override string ToString() =>
        $"{Ips} IPs × {Zones} zones: {Listed} listed, {Clean} clean, {Unknown} unknown; {NewListings} new listings, {Delistings} delisted"
        + (UntrustedZones.Count > 0 ? $"; untrusted zones: {string.Join(", ", UntrustedZones)}" : "");
}

/// <summary>
/// Checks every sending IP (primary and spare) against every enabled zone, keeps the latest result per
/// IP × zone and the listing intervals (first seen, last seen, delisted at), and alerts on a new listing,
/// on a delisting, and once when no zone can be asked at all.
/// </summary>
public sealed class BlocklistService(
    IDbContextFactory<PortalDbContext> factory, BlocklistOptions options, DnsOptions dnsOptions, AlertService alerts, IpPool.PoolChanges changes, TimeProvider clock, ILogger<BlocklistService> logger)
{
    public const string DnsblKind = "dnsbl";

    /// <summary>Default zones, all alive (SORBS closed in 2024 and is not among them).</summary>
    public static IReadOnlyList<BlocklistZone> DefaultZones() =>
    [
        new() { Name = "Spamhaus ZEN", QueryDomain = "zen.spamhaus.org", Weight = 10, DelistUrl = "https://check.spamhaus.org/",
            ListingCodes = "127.0.0.2=SBL;127.0.0.3=CSS;127.0.0.4=XBL;127.0.0.5=XBL;127.0.0.6=XBL;127.0.0.7=XBL;127.0.0.9=DROP;127.0.0.10=PBL (ISP);127.0.0.11=PBL (Spamhaus)",
            ErrorCodes = "127.255.255.252;127.255.255.254;127.255.255.255" },
        new() { Name = "Barracuda", QueryDomain = "b.barracudacentral.org", Weight = 8, ListingCodes = "127.0.0.2=listed", DelistUrl = "https://www.barracudacentral.org/rbl/removal-request" },
        new() { Name = "SpamCop", QueryDomain = "bl.spamcop.net", Weight = 6, ListingCodes = "127.0.0.2=listed", DelistUrl = "https://www.spamcop.net/bl.shtml" },
        new() { Name = "UCEPROTECT Level 1", QueryDomain = "dnsbl-1.uceprotect.net", Weight = 3, ListingCodes = "127.0.0.2=listed", DelistUrl = "https://www.uceprotect.net/en/rblcheck.php" },
        new() { Name = "PSBL", QueryDomain = "psbl.surriel.com", Weight = 4, ListingCodes = "127.0.0.2=listed", DelistUrl = "https://psbl.org/remove" },
        new() { Name = "Mailspike", QueryDomain = "bl.mailspike.net", Weight = 4, ListingCodes = "127.0.0.2=listed;127.0.0.10=L5;127.0.0.11=L4;127.0.0.12=L3;127.0.0.13=L2;127.0.0.14=L1", DelistUrl = "https://mailspike.org/iplookup.html" },
    ];

    public async Task EnsureDefaultZonesAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.BlocklistZones.AnyAsync(cancellationToken))
        {
            db.BlocklistZones.AddRange(DefaultZones());
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    /// <summary>The resolver blocklist queries go to: Blocklists:DnsServers, else the portal's DNS servers.</summary>
    public IDnsResolver Resolver(string? server = null) => new DnsClientResolver(new DnsOptions
    {
        Servers = server is not null ? [server] : options.DnsServers.Length > 0 ? options.DnsServers : dnsOptions.Servers,
        TimeoutSeconds = options.TimeoutSeconds,
        Retries = options.Retries,
    });

    public async Task<CheckSummary> CheckNowAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var zones = await db.BlocklistZones.Where(z => z.Enabled).OrderBy(z => z.Id).ToListAsync(cancellationToken);
        var ips = await db.SendingIps.Where(i => i.Enabled).OrderBy(i => i.Role).ThenBy(i => i.Id).ToListAsync(cancellationToken);
        var checker = new DnsblChecker(Resolver(), options.MaxConcurrency);
        // A zone whose answer codes cannot be read is not asked: its results are unknown, naming why.
        var rules = new List<ZoneRule>();
        var misconfigured = new List<ZoneCheck>();
        foreach (var zone in zones)
        {
            try
            {
                rules.Add(ZoneRule.From(zone));
            }
            catch (FormatException e)
            {
                var rule = new ZoneRule(zone.Id, zone.Name, zone.QueryDomain, new Dictionary<string, string>(), new HashSet<string>());
                misconfigured.AddRange(ips.Select(ip => new ZoneCheck(ip.Address, rule, BlocklistStatus.Unknown, [], $"zone configuration: {e.Message}")));
            }
        }
        var checks = (await checker.CheckAsync(ips.Select(i => i.Address).ToList(), rules, cancellationToken)).Concat(misconfigured).ToList();
        var now = clock.GetUtcNow().UtcDateTime;
        var ipIds = ips.ToDictionary(i => i.Address, i => i.Id);

        var results = await db.BlocklistResults.ToDictionaryAsync(r => (r.SendingIpId, r.ZoneId), cancellationToken);
        foreach (var check in checks)
        {
            var key = (ipIds[check.Ip], check.Zone.Id);
            if (!results.TryGetValue(key, out var result))
            {
                result = new BlocklistResult { SendingIpId = key.Item1, ZoneId = key.Item2 };
                db.BlocklistResults.Add(result);
            }
            result.Status = check.Status;
            result.Codes = check.Codes.Count > 0 ? string.Join(",", check.Codes) : null;
            result.Reason = Trim(check.Reason);
            result.CheckedAtUtc = now;
        }
        // An unknown answer changes no interval: neither listed nor delisted can be told.
        var (opened, closed) = await ListingIntervals.ApplyAsync(db, DnsblKind, checks.Select(c => new ListingObservation(ipIds[c.Ip], c.Zone.Id,
            c.Status switch { BlocklistStatus.Listed => true, BlocklistStatus.Clean => false, _ => null },
            c.Codes.Count > 0 ? string.Join(",", c.Codes) : null, Trim(c.Reason))), now, cancellationToken);
        var byKey = checks.ToDictionary(c => (ipIds[c.Ip], c.Zone.Id));
        var news = opened.Select(l => byKey[(l.SendingIpId, l.ZoneId!.Value)]).ToList();
        var delisted = closed.Select(l => byKey[(l.SendingIpId, l.ZoneId!.Value)]).ToList();
        await db.SaveChangesAsync(cancellationToken);
        changes.Notify();

        var untrusted = checks.Where(c => c.Status == BlocklistStatus.Unknown).GroupBy(c => c.Zone.Name)
            .Where(g => g.Count() == ips.Count).Select(g => g.Key).ToList();
        var summary = new CheckSummary(ips.Count, zones.Count, checks.Count(c => c.Status == BlocklistStatus.Listed),
            checks.Count(c => c.Status == BlocklistStatus.Clean), checks.Count(c => c.Status == BlocklistStatus.Unknown), news.Count, delisted.Count, untrusted);
        await AlertAsync(summary, checks, news, delisted, now, cancellationToken);
        logger.LogInformation("Blocklist check: {Summary}", summary);
        return summary;
    }

    private async Task AlertAsync(CheckSummary summary, IReadOnlyList<ZoneCheck> checks, List<ZoneCheck> news, List<ZoneCheck> delisted, DateTime now, CancellationToken cancellationToken)
    {
        if (checks.Count > 0 && summary.Unknown == checks.Count)
        {
            // DNS down: one alert that checks cannot run, not one per IP × zone.
            var why = checks.Select(c => c.Reason).FirstOrDefault(r => r is not null);
            await alerts.NotifyAsync(new Alert("blocklists:cannot-check", "blocklist.unavailable", "Blocklist checks cannot run",
                $"No blocklist zone could be asked ({summary.Zones} zones × {summary.Ips} IPs unknown): {why}", null, now), cancellationToken);
            return;
        }
        foreach (var zone in news.GroupBy(c => c.Zone.Name))
        {
            await alerts.NotifyAsync(new Alert($"blocklists:listed:{zone.Key}:{string.Join(",", zone.Select(c => c.Ip))}", "blocklist.listed",
                $"{zone.Count()} sending IP(s) listed on {zone.Key}",
                string.Join("\n", zone.Select(c => $"{c.Ip}: {string.Join(",", c.Codes)} {c.Reason}")), null, now, AlwaysSend: true), cancellationToken);
        }
        foreach (var zone in delisted.GroupBy(c => c.Zone.Name))
        {
            await alerts.NotifyAsync(new Alert($"blocklists:delisted:{zone.Key}:{string.Join(",", zone.Select(c => c.Ip))}", "blocklist.delisted",
                $"{zone.Count()} sending IP(s) delisted from {zone.Key}", string.Join("\n", zone.Select(c => c.Ip)), null, now, AlwaysSend: true), cancellationToken);
        }
    }

    private static string? Trim(string? text) => text is { Length: > 500 } ? text[..500] : text;
}

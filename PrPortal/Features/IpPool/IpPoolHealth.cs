using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Providers;

namespace PrPortal.Features.IpPool;

public enum CellHealth
{
    /// <summary>No mail to this provider from this IP in the window.</summary>
    Idle,
    Healthy,
    /// <summary>Acceptance below 90 % or some IP-block replies.</summary>
    Degraded,
    /// <summary>IP-block replies make up a fifth or more of the attempts, or acceptance below half.</summary>
    Blocked,
}

/// <summary>One IP × provider: its counts (<see cref="Marked"/> of them test sends and drills), health and routing.</summary>
public sealed record GridCell(string ProviderId, int Attempts, int Accepted, int IpBlocks, CellHealth Health, CellRouting Routing = CellRouting.InUse,
    int Deferred = 0, int Rejected = 0, int Marked = 0)
{
    public double Acceptance => Attempts == 0 ? 0 : (double)Accepted / Attempts;
}

public sealed record IpListing(string List, string Kind, string? Codes, DateTime FirstSeenUtc);

public sealed record GridRow(int SendingIpId, string Address, SendingIpRole Role, bool Enabled, IReadOnlyList<GridCell> Cells, IReadOnlyList<IpListing> Listings, int UnknownChecks)
{
    public CellHealth Worst => Cells.Select(c => c.Health).DefaultIfEmpty(CellHealth.Idle).Max();
}

public sealed record PoolGrid(DateTime FromUtc, DateTime ToUtc, IReadOnlyList<string> Providers, IReadOnlyList<GridRow> Rows, DateTime? LatestDataUtc);

public sealed record CellHour(DateTime HourUtc, int Accepted, int Deferred, int Rejected, int IpBlocks);

public sealed record CellReply(DateTime AtUtc, AttemptOutcome Outcome, string? Reason, bool IpBlock, string? Text);

public sealed record CellDetail(int SendingIpId, string Address, string ProviderId, IReadOnlyList<CellHour> Hours, IReadOnlyList<CellReply> Replies, IReadOnlyList<IpListing> Listings,
    RoutingExclusion? Exclusion, IReadOnlyList<RoutingExclusion> RoutingHistory);

/// <summary>
/// The IP pool at a glance: every sending IP (primary, then spare) × mailbox provider over the last
/// hours, from the hourly rollups, with each IP's open blocklist listings.
/// </summary>
public sealed class IpPoolHealth(IDbContextFactory<PortalDbContext> factory, RoutingService routing, TimeProvider clock)
{
    public static CellHealth Judge(int attempts, int accepted, int ipBlocks)
    {
        if (attempts == 0)
        {
            return CellHealth.Idle;
        }
        var acceptance = (double)accepted / attempts;
        if (ipBlocks * 5 >= attempts || acceptance < 0.5)
        {
            return CellHealth.Blocked;
        }
        return ipBlocks > 0 || acceptance < 0.9 ? CellHealth.Degraded : CellHealth.Healthy;
    }

    public async Task<PoolGrid> GridAsync(int hours, CancellationToken cancellationToken)
    {
        var to = clock.GetUtcNow().UtcDateTime;
        var from = new DateTime(to.Year, to.Month, to.Day, to.Hour, 0, 0, DateTimeKind.Utc).AddHours(1 - hours);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var ips = await db.SendingIps.AsNoTracking().OrderBy(i => i.Role).ThenBy(i => i.Id).ToListAsync(cancellationToken);
        var sums = await db.AttemptRollups.AsNoTracking().Where(r => r.HourUtc >= from)
            .GroupBy(r => new { r.SourceIp, r.ProviderId, r.Outcome, r.IpBlock, r.TrafficClass })
            .Select(g => new { g.Key.SourceIp, g.Key.ProviderId, g.Key.Outcome, g.Key.IpBlock, g.Key.TrafficClass, Count = g.Sum(r => r.Count) })
            .ToListAsync(cancellationToken);
        var latest = await db.AttemptRollups.MaxAsync(r => (DateTime?)r.HourUtc, cancellationToken);
        var listings = await OpenListingsAsync(db, null, cancellationToken);
        var unknown = await db.BlocklistResults.AsNoTracking().Where(r => r.Status == BlocklistStatus.Unknown)
            .GroupBy(r => r.SendingIpId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        var providers = MailboxProviderCatalog.All.Where(p => p.Id != MailboxProviderCatalog.Unknown).OrderBy(p => p.SortOrder).Select(p => p.Id).ToList();
        var byCell = sums.ToLookup(s => (s.SourceIp, s.ProviderId));
        var routes = await routing.PictureAsync(providers, cancellationToken);
        var rows = ips.Select(ip => new GridRow(ip.Id, ip.Address, ip.Role, ip.Enabled,
            providers.Select(p =>
            {
                var cell = byCell[(ip.Address, p)].ToList();
                var attempts = cell.Sum(c => c.Count);
                var accepted = cell.Where(c => c.Outcome == AttemptOutcome.Accepted).Sum(c => c.Count);
                var blocks = cell.Where(c => c.IpBlock).Sum(c => c.Count);
                var deferred = cell.Where(c => c.Outcome is AttemptOutcome.Deferred or AttemptOutcome.Error).Sum(c => c.Count);
                var rejected = cell.Where(c => c.Outcome == AttemptOutcome.Rejected).Sum(c => c.Count);
                var marked = cell.Where(c => c.TrafficClass is TrafficClass.Test or TrafficClass.Drill).Sum(c => c.Count);
                return new GridCell(p, attempts, accepted, blocks, Judge(attempts, accepted, blocks), routes.StateOf(ip.Id, p, ip.Role), deferred, rejected, marked);
            }).ToList(),
            listings.GetValueOrDefault(ip.Id, []), unknown.GetValueOrDefault(ip.Id))).ToList();
        return new PoolGrid(from, to, providers, rows, latest);
    }

    public async Task<CellDetail> CellAsync(string address, string providerId, int hours, CancellationToken cancellationToken)
    {
        var to = clock.GetUtcNow().UtcDateTime;
        var from = new DateTime(to.Year, to.Month, to.Day, to.Hour, 0, 0, DateTimeKind.Utc).AddHours(1 - hours);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var rollups = await db.AttemptRollups.AsNoTracking()
            .Where(r => r.SourceIp == address && r.ProviderId == providerId && r.HourUtc >= from).ToListAsync(cancellationToken);
        var hoursList = Enumerable.Range(0, hours).Select(h => from.AddHours(h)).Select(h =>
        {
            var at = rollups.Where(r => r.HourUtc == h).ToList();
            return new CellHour(h, at.Where(r => r.Outcome == AttemptOutcome.Accepted).Sum(r => r.Count),
                at.Where(r => r.Outcome == AttemptOutcome.Deferred).Sum(r => r.Count),
                at.Where(r => r.Outcome is AttemptOutcome.Rejected or AttemptOutcome.Error).Sum(r => r.Count),
                at.Where(r => r.IpBlock).Sum(r => r.Count));
        }).ToList();
        var ip = await db.SendingIps.AsNoTracking().FirstOrDefaultAsync(i => i.Address == address, cancellationToken);
        var replies = ip is null ? [] : await db.DeliveryAttempts.AsNoTracking()
            .Where(a => a.SendingIpId == ip.Id && a.ProviderId == providerId && a.Outcome != AttemptOutcome.Accepted)
            .OrderByDescending(a => a.AttemptedAtUtc).Take(20)
            .Select(a => new CellReply(a.AttemptedAtUtc, a.Outcome, a.Reason, a.IpBlock, a.ReplyText ?? a.Error))
            .ToListAsync(cancellationToken);
        var listings = ip is null ? [] : (await OpenListingsAsync(db, ip.Id, cancellationToken)).GetValueOrDefault(ip.Id, []);
        var history = ip is null ? [] : await db.RoutingExclusions.AsNoTracking().Where(e => e.SendingIpId == ip.Id && e.ProviderId == providerId)
            .OrderByDescending(e => e.StartedAtUtc).Take(10).ToListAsync(cancellationToken);
        return new CellDetail(ip?.Id ?? 0, address, providerId, hoursList, replies, listings, history.FirstOrDefault(e => e.EndedAtUtc is null), history);
    }

    private static async Task<Dictionary<int, IReadOnlyList<IpListing>>> OpenListingsAsync(PortalDbContext db, int? ipId, CancellationToken cancellationToken)
    {
        var open = await db.BlocklistListings.AsNoTracking().Include(l => l.Zone)
            .Where(l => l.DelistedAtUtc == null && (ipId == null || l.SendingIpId == ipId)).ToListAsync(cancellationToken);
        return open.GroupBy(l => l.SendingIpId).ToDictionary(g => g.Key,
            g => (IReadOnlyList<IpListing>)g.Select(l => new IpListing(l.Zone?.Name ?? "Microsoft SNDS", l.Kind, l.Codes, l.FirstSeenUtc)).ToList());
    }
}

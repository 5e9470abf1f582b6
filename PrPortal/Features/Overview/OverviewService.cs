using Microsoft.EntityFrameworkCore;
using PrPortal.Components.Shared;
using PrPortal.Data;
using PrPortal.Data.Entities;

namespace PrPortal.Features.Overview;

public sealed record DailyOutcome(DateOnly Day, int Accepted, int Rejected, int Deferred);

public sealed record ProviderOutcome(string ProviderId, string Name, string NameJa, int Accepted, int Rejected, int IpBlocked);

public sealed record OverviewSummary(
    int PrimaryIps,
    int SpareIps,
    int Companies,
    int Releases,
    int Recipients,
    int Deliveries,
    int FailedDeliveries,
    DateTime? LatestAttemptUtc,
    IReadOnlyList<DailyOutcome> Days,
    IReadOnlyList<ProviderOutcome> Providers);

/// <summary>What the portal holds, at a glance: the size of the sending world and how its mail fared.</summary>
public sealed class OverviewService(IDbContextFactory<PortalDbContext> factory, TimeProvider clock)
{
    public const int Days = 60;

    public async Task<OverviewSummary> LoadAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var since = clock.GetUtcNow().UtcDateTime.AddDays(-Days);

        var ips = await db.SendingIps.AsNoTracking()
            .GroupBy(i => i.Role).Select(g => new { Role = g.Key, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var deliveries = await db.Deliveries.AsNoTracking()
            .GroupBy(d => d.Status).Select(g => new { Status = g.Key, Count = g.Count() })
            .ToListAsync(cancellationToken);

        // Grouped in SQL by the Tokyo calendar day (UTC+9, no daylight saving).
        var daily = await db.Database.SqlQuery<DailyRow>($"""
            SELECT date(AttemptedAtUtc, '+9 hours') AS Day,
                   sum(CASE WHEN Outcome = {(int)AttemptOutcome.Accepted} THEN 1 ELSE 0 END) AS Accepted,
                   sum(CASE WHEN Outcome = {(int)AttemptOutcome.Rejected} THEN 1 ELSE 0 END) AS Rejected,
                   sum(CASE WHEN Outcome IN ({(int)AttemptOutcome.Deferred}, {(int)AttemptOutcome.Error}) THEN 1 ELSE 0 END) AS Deferred
            FROM DeliveryAttempts
            WHERE AttemptedAtUtc >= {since}
            GROUP BY date(AttemptedAtUtc, '+9 hours')
            ORDER BY Day
            """).ToListAsync(cancellationToken);

        var providers = await db.DeliveryAttempts.AsNoTracking()
            .Where(a => a.AttemptedAtUtc >= since)
            .GroupBy(a => a.ProviderId)
            .Select(g => new
            {
                ProviderId = g.Key,
                Accepted = g.Count(a => a.Outcome == AttemptOutcome.Accepted),
                Rejected = g.Count(a => a.Outcome == AttemptOutcome.Rejected),
                IpBlocked = g.Count(a => a.IpBlock),
            })
            .ToListAsync(cancellationToken);
        var catalog = await db.MailboxProviders.AsNoTracking().OrderBy(p => p.SortOrder).ToListAsync(cancellationToken);

        return new OverviewSummary(
            PrimaryIps: ips.Where(i => i.Role == SendingIpRole.Primary).Sum(i => i.Count),
            SpareIps: ips.Where(i => i.Role == SendingIpRole.Spare).Sum(i => i.Count),
            Companies: await db.Companies.CountAsync(cancellationToken),
            Releases: await db.Releases.CountAsync(r => r.PublishedAtUtc >= since, cancellationToken),
            Recipients: await db.Recipients.CountAsync(cancellationToken),
            Deliveries: deliveries.Sum(d => d.Count),
            FailedDeliveries: deliveries.Where(d => d.Status == DeliveryStatus.Failed).Sum(d => d.Count),
            LatestAttemptUtc: await db.DeliveryAttempts.MaxAsync(a => (DateTime?)a.AttemptedAtUtc, cancellationToken),
            Days: daily.Select(d => new DailyOutcome(DateOnly.Parse(d.Day), d.Accepted, d.Rejected, d.Deferred)).ToList(),
            Providers: catalog
                .Select(p => (p, row: providers.FirstOrDefault(r => r.ProviderId == p.Id)))
                .Where(x => x.row is not null)
                .Select(x => new ProviderOutcome(x.p.Id, x.p.Name, x.p.NameJa, x.row!.Accepted, x.row.Rejected, x.row.IpBlocked))
                .ToList());
    }

    private sealed record DailyRow(string Day, int Accepted, int Rejected, int Deferred);
}

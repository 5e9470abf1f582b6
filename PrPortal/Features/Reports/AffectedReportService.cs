using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using PrPortal.Components.Shared;
using PrPortal.Data;
using PrPortal.Data.Entities;

namespace PrPortal.Features.Reports;

/// <summary>
/// The affected-release report from the failure ledger (<see cref="FailedDelivery"/>): one indexed read
/// of the failures in the window, counted in memory per category, company, release and day. Mail that a
/// retry delivered later is left out; mail our resend delivered counts as resent.
/// </summary>
public sealed class AffectedReportService(IDbContextFactory<PortalDbContext> factory, TimeProvider clock)
{
    /// <summary>Failures this long before an incident cell was detected belong to it (the refusals that led to detection).</summary>
    public static readonly TimeSpan DetectionLead = TimeSpan.FromHours(24);

    private sealed record Cell(int SendingIpId, string ProviderId, string From, string Until);

    /// <summary>One failed delivery as the report reads it; also what a resend batch is planned from.</summary>
    public readonly record struct LedgerRow(long DeliveryId, int ReleaseId, int CompanyId, int RecipientId,
        RecipientCategory Category, string ProviderId, int SendingIpId, string Reason, string Day, ResendState ResendState, string FailedAt, bool Delivered);

    public async Task<AffectedReport> BuildAsync(AffectedScope scope, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var (from, until, rows) = await ReadAsync(db, scope, cancellationToken);

        var contacts = await ContactsAsync(db, scope, from, until, cancellationToken);
        bool Declined(int companyId) => contacts.TryGetValue(companyId, out var c) && c.Status == ContactStatus.Declined;
        Status StatusOf(in LedgerRow r) => r.ResendState == ResendState.Resent ? Status.Resent
            : Declined(r.CompanyId) ? Status.Declined : Status.NotResent;

        var byCategory = RecipientCategories.All.ToDictionary(c => c, _ => new Tally());
        var all = new Tally();
        var byCompany = new Dictionary<int, Tally>();
        var byRelease = new Dictionary<int, Tally>();
        var byDay = new SortedDictionary<string, Dictionary<RecipientCategory, int>>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var status = StatusOf(row);
            byCategory[row.Category].Add(row, status);
            all.Add(row, status);
            (byCompany.TryGetValue(row.CompanyId, out var company) ? company : byCompany[row.CompanyId] = new Tally()).Add(row, status);
            (byRelease.TryGetValue(row.ReleaseId, out var release) ? release : byRelease[row.ReleaseId] = new Tally()).Add(row, status);
            if (!byDay.TryGetValue(row.Day, out var day))
            {
                byDay[row.Day] = day = [];
            }
            day[row.Category] = day.GetValueOrDefault(row.Category) + 1;
        }

        var companyIds = byCompany.Keys.ToList();
        var companies = await db.Companies.AsNoTracking().Where(c => companyIds.Contains(c.Id))
            .Select(c => new { c.Id, c.Name, Manager = c.AccountManager != null ? c.AccountManager.DisplayName ?? c.AccountManager.Email : null })
            .ToDictionaryAsync(c => c.Id, cancellationToken);
        var releaseIds = byRelease.Keys.ToList();
        var releases = await db.Releases.AsNoTracking().Where(r => releaseIds.Contains(r.Id))
            .Select(r => new { r.Id, r.Title, r.PublishedAtUtc, r.CompanyId })
            .ToDictionaryAsync(r => r.Id, cancellationToken);

        var report = new AffectedReport(
            scope, from, until,
            RecipientCategories.All.Select(c => byCategory[c].ToCategoryRow(c)).ToList(),
            all.ToCategoryRow(0),
            await MailsInPeriodAsync(db, scope, from, until, cancellationToken),
            byCompany.Select(kv =>
            {
                var name = companies.GetValueOrDefault(kv.Key);
                var contact = contacts.GetValueOrDefault(kv.Key);
                var t = kv.Value;
                return new CompanyRow(kv.Key, name?.Name ?? $"#{kv.Key}", name?.Manager, t.Releases.Count, t.ByCategory(), t.Mails,
                    t.NotResent, t.Resent, t.Declined, contact?.Status ?? ContactStatus.NotContacted, contact?.Note, contact?.UpdatedBy, contact?.UpdatedAtUtc);
            }).OrderByDescending(c => c.FailedMails).ThenBy(c => c.Company, StringComparer.Ordinal).ToList(),
            byRelease.Select(kv =>
            {
                var r = releases.GetValueOrDefault(kv.Key);
                var companyName = r is null ? "" : companies.GetValueOrDefault(r.CompanyId)?.Name ?? "";
                return new ReleaseRow(kv.Key, r?.Title ?? $"#{kv.Key}", r?.PublishedAtUtc ?? default, r?.CompanyId ?? 0, companyName,
                    kv.Value.ByCategory(), kv.Value.Mails);
            }).OrderByDescending(r => r.PublishedAtUtc).ToList(),
            byDay.Select(d => new DayRow(DateOnly.ParseExact(d.Key, "yyyy-MM-dd"), d.Value)).ToList(),
            Math.Round(watch.Elapsed.TotalSeconds, 3));
        return report;
    }

    /// <summary>
    /// Each company's contact for the scope: an incident's own; for a period, what was recorded for the
    /// period or for any incident whose time lies in it (the latest answer wins), so consent recorded in
    /// the incident view shows in the period view of the same failures.
    /// </summary>
    public static async Task<Dictionary<int, CompanyContact>> ContactsAsync(PortalDbContext db, AffectedScope scope, DateTime from, DateTime until, CancellationToken cancellationToken)
    {
        if (scope.IncidentId is { } id)
        {
            return await db.CompanyContacts.AsNoTracking().Where(c => c.IncidentId == id).ToDictionaryAsync(c => c.CompanyId, cancellationToken);
        }
        var incidents = await db.Incidents.AsNoTracking().Where(i => i.OpenedAtUtc <= until && (i.ResolvedAtUtc == null || i.ResolvedAtUtc >= from))
            .Select(i => (int?)i.Id).ToListAsync(cancellationToken);
        var rows = await db.CompanyContacts.AsNoTracking().Where(c => c.IncidentId == null || incidents.Contains(c.IncidentId)).ToListAsync(cancellationToken);
        return rows.GroupBy(c => c.CompanyId).ToDictionary(g => g.Key, g => g.OrderByDescending(c => c.UpdatedAtUtc).First());
    }

    /// <summary>The failed deliveries in the scope, for a report or a resend plan.</summary>
    public async Task<(DateTime From, DateTime Until, List<LedgerRow> Rows)> ReadAsync(PortalDbContext db, AffectedScope scope, CancellationToken cancellationToken, bool includeDelivered = false)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        List<Cell>? cells = null;
        DateTime from, until;
        var providers = scope.Providers;
        if (scope.IncidentId is { } incidentId)
        {
            var incident = await db.Incidents.AsNoTracking().Include(i => i.Cells).FirstOrDefaultAsync(i => i.Id == incidentId, cancellationToken)
                ?? throw new ArgumentException($"incident {incidentId} does not exist");
            var ips = await db.SendingIps.AsNoTracking().ToDictionaryAsync(i => i.Address, i => i.Id, cancellationToken);
            cells = incident.Cells.Where(c => ips.ContainsKey(c.SourceIp))
                .Select(c => new Cell(ips[c.SourceIp], c.ProviderId, Sql(c.DetectedAtUtc - DetectionLead),
                    Sql(c.RecoveredAtUtc ?? incident.ResolvedAtUtc ?? now)))
                .ToList();
            from = incident.Cells.Count == 0 ? incident.OpenedAtUtc : incident.Cells.Min(c => c.DetectedAtUtc) - DetectionLead;
            until = incident.Cells.Count == 0 ? now : incident.Cells.Max(c => c.RecoveredAtUtc ?? incident.ResolvedAtUtc ?? now);
            if (until < from)
            {
                until = from;
            }
            providers = cells.Select(c => c.ProviderId).Distinct().ToList();
        }
        else
        {
            from = scope.FromUtc ?? now.AddDays(-7);
            until = scope.UntilUtc ?? now;
            if (until <= from)
            {
                throw new ArgumentException("the period's end must be after its start");
            }
        }

        var rows = new List<LedgerRow>();
        if (cells is { Count: 0 })
        {
            return (from, until, rows);
        }
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var where = new List<string> { "FailedAtUtc >= $from", "FailedAtUtc < $until" };
        if (!includeDelivered)
        {
            where.Add("(DeliveredAtUtc IS NULL OR ResendState = 2)");
        }
        Add(command, "$from", Sql(from));
        // The window's end is inclusive to the second: a failure at the moment of recovery still counts.
        Add(command, "$until", Sql(until.AddSeconds(1)));
        var reasons = new List<string>();
        foreach (var (reason, i) in scope.ExtraReasons.Select((r, i) => (r, i)))
        {
            reasons.Add($"$r{i}");
            Add(command, $"$r{i}", reason);
        }
        where.Add(reasons.Count == 0 ? "IpBlock = 1" : $"(IpBlock = 1 OR Reason IN ({string.Join(",", reasons)}))");
        if (providers.Count > 0)
        {
            where.Add($"ProviderId IN ({string.Join(",", providers.Select((p, i) => { Add(command, $"$p{i}", p); return $"$p{i}"; }))})");
        }
        if (scope.SendingIpIds.Count > 0)
        {
            where.Add($"SendingIpId IN ({string.Join(",", scope.SendingIpIds)})");
        }
        if (scope.Companies is { } own)
        {
            if (own.Count == 0)
            {
                return (from, until, rows);
            }
            where.Add($"CompanyId IN ({string.Join(",", own)})");
        }
        command.CommandText = $"""
            SELECT DeliveryId, ReleaseId, CompanyId, RecipientId, Category, ProviderId, SendingIpId, COALESCE(Reason, ''),
                   date(FailedAtUtc, '+9 hours'), ResendState, FailedAtUtc, DeliveredAtUtc IS NOT NULL AND ResendState <> 2
            FROM FailedDeliveries WHERE {string.Join(" AND ", where)}
            """;
        var byCell = cells?.ToLookup(c => (c.SendingIpId, c.ProviderId));
        var strings = new Dictionary<string, string>(StringComparer.Ordinal);
        string Intern(string s) => strings.TryGetValue(s, out var x) ? x : strings[s] = s;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var provider = Intern(reader.GetString(5));
            var ip = reader.GetInt32(6);
            var at = reader.GetString(10);
            if (byCell is not null)
            {
                if (!byCell[(ip, provider)].Any(c => string.CompareOrdinal(at, c.From) >= 0 && string.CompareOrdinal(at, c.Until) <= 0))
                {
                    continue;
                }
            }
            rows.Add(new LedgerRow(reader.GetInt64(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3),
                (RecipientCategory)reader.GetInt32(4), provider, ip, Intern(reader.GetString(7)), Intern(reader.GetString(8)),
                (ResendState)reader.GetInt32(9), at, reader.GetBoolean(11)));
        }
        return (from, until, rows);
    }

    private static async Task<long> MailsInPeriodAsync(PortalDbContext db, AffectedScope scope, DateTime from, DateTime until, CancellationToken cancellationToken)
    {
        // An account manager's share is of their own companies' mail, not everyone's: counted from the
        // attempts (the hourly rollups know no company), a mail once however often it was tried.
        if (scope.Companies is { } companies)
        {
            var ids = companies.ToList();
            var providers = scope.IncidentId is { } incident
                ? await db.IncidentCells.Where(c => c.IncidentId == incident).Select(c => c.ProviderId).Distinct().ToListAsync(cancellationToken)
                : scope.Providers.ToList();
            var attempts = db.DeliveryAttempts.AsNoTracking().Where(a => a.AttemptedAtUtc >= from && a.AttemptedAtUtc <= until
                && (a.Outcome == AttemptOutcome.Accepted || a.Outcome == AttemptOutcome.Rejected) && a.TrafficClass == TrafficClass.Customer
                && ids.Contains(a.Delivery!.Release!.CompanyId));
            if (providers.Count > 0)
            {
                attempts = attempts.Where(a => providers.Contains(a.ProviderId));
            }
            if (scope.IncidentId is null && scope.SendingIpIds.Count > 0)
            {
                var ipIds = scope.SendingIpIds.ToList();
                attempts = attempts.Where(a => ipIds.Contains(a.SendingIpId));
            }
            return await attempts.Select(a => a.DeliveryId).Distinct().LongCountAsync(cancellationToken);
        }
        var hourFrom = new DateTime(from.Year, from.Month, from.Day, from.Hour, 0, 0, DateTimeKind.Utc);
        var rollups = db.AttemptRollups.AsNoTracking()
            .Where(r => r.HourUtc >= hourFrom && r.HourUtc <= until && (r.Outcome == AttemptOutcome.Accepted || r.Outcome == AttemptOutcome.Rejected));
        if (scope.IncidentId is null && scope.Providers.Count > 0)
        {
            var providers = scope.Providers.ToList();
            rollups = rollups.Where(r => providers.Contains(r.ProviderId));
        }
        if (scope.IncidentId is null && scope.SendingIpIds.Count > 0)
        {
            var ipIds = scope.SendingIpIds.ToList();
            var addresses = await db.SendingIps.Where(i => ipIds.Contains(i.Id)).Select(i => i.Address).ToListAsync(cancellationToken);
            rollups = rollups.Where(r => addresses.Contains(r.SourceIp));
        }
        return await rollups.SumAsync(r => (long)r.Count, cancellationToken);
    }

    /// <summary>The text form EF Core's SQLite provider stores a DateTime in, so it compares as text.</summary>
    public static string Sql(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", System.Globalization.CultureInfo.InvariantCulture);

    private static void Add(DbCommand command, string name, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }

    private enum Status { NotResent, Resent, Declined }

    private sealed class Tally
    {
        public readonly HashSet<int> Recipients = [];
        public readonly HashSet<int> Releases = [];
        public readonly int[] Categories = new int[5];
        public int Mails, NotResent, Resent, Declined;

        public void Add(in LedgerRow row, Status status)
        {
            Recipients.Add(row.RecipientId);
            Releases.Add(row.ReleaseId);
            Categories[(int)row.Category]++;
            Mails++;
            switch (status)
            {
                case Status.Resent: Resent++; break;
                case Status.Declined: Declined++; break;
                default: NotResent++; break;
            }
        }

        public IReadOnlyDictionary<RecipientCategory, int> ByCategory() =>
            RecipientCategories.All.ToDictionary(c => c, c => Categories[(int)c]);

        public CategoryRow ToCategoryRow(RecipientCategory category) =>
            new(category, Recipients.Count, Mails, Releases.Count, NotResent, Resent, Declined);
    }
}

using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PrPortal.Components.Shared;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Providers;

namespace PrPortal.Features.Reports;

public sealed record DailyReportRow(string SourceIp, string ProviderId, int Attempts, int Accepted, int IpBlocked, bool Anomaly)
{
    public double Acceptance => Attempts == 0 ? 1 : Accepted / (double)Attempts;
}

public sealed record DailyReportView(DateOnly Day, DateTime CreatedAtUtc, IReadOnlyList<DailyReportRow> Rows)
{
    public int Anomalies => Rows.Count(r => r.Anomaly);
}

/// <summary>
/// Yesterday (Asia/Tokyo) per provider × sending IP from the hourly rollups: volume, acceptance and
/// IP blocks; a cell is an anomaly when it had IP-block replies or accepted under 90 % of at least 20
/// attempts. Kept in the database, shown on the overview, and mailed to the alert addresses.
/// </summary>
public sealed class DailyReportService(IDbContextFactory<PortalDbContext> factory, Alerts.AlertService alerts, TimeProvider clock)
{
    public async Task<DailyReportView> BuildAndSendAsync(CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(PortalTime.ToTokyo(clock.GetUtcNow().UtcDateTime));
        var report = await BuildAsync(today.AddDays(-1), cancellationToken);
        await alerts.SendReportAsync($"[PrPortal] Daily report {report.Day:yyyy-MM-dd}: {report.Anomalies} anomalies", Render(report), cancellationToken);
        return report;
    }

    public async Task<DailyReportView> BuildAsync(DateOnly day, CancellationToken cancellationToken)
    {
        var fromUtc = TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(TimeOnly.MinValue), PortalTime.Tokyo);
        var untilUtc = fromUtc.AddDays(1);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var cells = await db.AttemptRollups.AsNoTracking()
            .Where(r => r.HourUtc >= fromUtc && r.HourUtc < untilUtc)
            .GroupBy(r => new { r.SourceIp, r.ProviderId })
            .Select(g => new
            {
                g.Key.SourceIp,
                g.Key.ProviderId,
                Attempts = g.Sum(r => r.Count),
                Accepted = g.Where(r => r.Outcome == AttemptOutcome.Accepted).Sum(r => r.Count),
                IpBlocked = g.Where(r => r.IpBlock).Sum(r => r.Count),
            })
            .ToListAsync(cancellationToken);
        var rows = cells
            .Select(c => new DailyReportRow(c.SourceIp, c.ProviderId, c.Attempts, c.Accepted, c.IpBlocked,
                c.IpBlocked > 0 || (c.Attempts >= 20 && c.Accepted < c.Attempts * 0.9)))
            .OrderByDescending(r => r.Anomaly).ThenBy(r => r.ProviderId).ThenBy(r => r.SourceIp)
            .ToList();
        var view = new DailyReportView(day, clock.GetUtcNow().UtcDateTime, rows);
        var existing = await db.DailyReports.FirstOrDefaultAsync(r => r.Day == day, cancellationToken);
        if (existing is null)
        {
            db.DailyReports.Add(existing = new DailyReport { Day = day });
        }
        existing.CreatedAtUtc = view.CreatedAtUtc;
        existing.Json = JsonSerializer.Serialize(rows);
        await db.SaveChangesAsync(cancellationToken);
        return view;
    }

    /// <summary>Every kept report's day with its totals, newest first (the history the daily-report page lists).</summary>
    public async Task<IReadOnlyList<(DateOnly Day, int Attempts, int Cells, int Anomalies)>> HistoryAsync(int take, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var rows = await db.DailyReports.AsNoTracking().OrderByDescending(r => r.Day).Take(take).Select(r => new { r.Day, r.Json }).ToListAsync(cancellationToken);
        return rows.Select(r =>
        {
            var cells = JsonSerializer.Deserialize<List<DailyReportRow>>(r.Json) ?? [];
            return (r.Day, cells.Sum(c => c.Attempts), cells.Count, cells.Count(c => c.Anomaly));
        }).ToList();
    }

    /// <summary>The report kept for one day, or null.</summary>
    public async Task<DailyReportView?> ForDayAsync(DateOnly day, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var report = await db.DailyReports.AsNoTracking().FirstOrDefaultAsync(r => r.Day == day, cancellationToken);
        return report is null ? null
            : new DailyReportView(report.Day, report.CreatedAtUtc, JsonSerializer.Deserialize<List<DailyReportRow>>(report.Json) ?? []);
    }

    public async Task<DailyReportView?> LatestAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var latest = await db.DailyReports.AsNoTracking().OrderByDescending(r => r.Day).FirstOrDefaultAsync(cancellationToken);
        return latest is null ? null
            : new DailyReportView(latest.Day, latest.CreatedAtUtc, JsonSerializer.Deserialize<List<DailyReportRow>>(latest.Json) ?? []);
    }

    private static string Render(DailyReportView report)
    {
        var text = new StringBuilder($"PrPortal daily report for {report.Day:yyyy-MM-dd} (Asia/Tokyo)\n\n");
        text.AppendLine($"{report.Rows.Sum(r => r.Attempts):N0} attempts in {report.Rows.Count} sending IP × provider cells; {report.Anomalies} anomalies.\n");
        foreach (var row in report.Rows.Where(r => r.Anomaly))
        {
            text.AppendLine($"{row.SourceIp,-16} {MailboxProviderCatalog.DisplayName(row.ProviderId),-24} {row.Attempts,8:N0} attempts  {row.Acceptance,6:P1} accepted  {row.IpBlocked,6:N0} IP blocks");
        }
        return text.ToString();
    }
}

using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using PrPortal.Data.Entities;

namespace PrPortal.Data;

public readonly record struct RollupKey(DateTime HourUtc, string SourceIp, string ProviderId, AttemptOutcome Outcome, string Reason, bool IpBlock, TrafficClass Class = TrafficClass.Customer)
{
    public static RollupKey For(DateTime atUtc, string sourceIp, string providerId, AttemptOutcome outcome, string? reason, bool ipBlock, TrafficClass trafficClass = TrafficClass.Customer) =>
        new(new DateTime(atUtc.Year, atUtc.Month, atUtc.Day, atUtc.Hour, 0, 0, DateTimeKind.Utc), sourceIp, providerId, outcome, reason ?? "", ipBlock, trafficClass);
}

/// <summary>
/// Adds counts to the hourly rollups with one upsert per cell (INSERT … ON CONFLICT DO UPDATE, which
/// SQLite and PostgreSQL both speak), so a 60-day health view reads thousands of rows, not millions.
/// </summary>
public static class RollupWriter
{
    public static async Task AddAsync(PortalDbContext db, IReadOnlyDictionary<RollupKey, int> counts, CancellationToken cancellationToken)
    {
        if (counts.Count == 0)
        {
            return;
        }
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = (SqliteTransaction?)db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = """
            INSERT INTO AttemptRollups (HourUtc, SourceIp, ProviderId, Outcome, Reason, IpBlock, TrafficClass, Count)
            VALUES ($hour, $ip, $provider, $outcome, $reason, $ipblock, $class, $count)
            ON CONFLICT (HourUtc, SourceIp, ProviderId, Outcome, Reason, IpBlock, TrafficClass) DO UPDATE SET Count = Count + excluded.Count
            """;
        var hour = command.Parameters.Add("$hour", SqliteType.Text);
        var ip = command.Parameters.Add("$ip", SqliteType.Text);
        var provider = command.Parameters.Add("$provider", SqliteType.Text);
        var outcome = command.Parameters.Add("$outcome", SqliteType.Integer);
        var reason = command.Parameters.Add("$reason", SqliteType.Text);
        var ipBlock = command.Parameters.Add("$ipblock", SqliteType.Integer);
        var trafficClass = command.Parameters.Add("$class", SqliteType.Integer);
        var count = command.Parameters.Add("$count", SqliteType.Integer);
        command.Prepare();
        foreach (var (key, n) in counts)
        {
            hour.Value = key.HourUtc;
            ip.Value = key.SourceIp;
            provider.Value = key.ProviderId;
            outcome.Value = (int)key.Outcome;
            reason.Value = key.Reason;
            ipBlock.Value = key.IpBlock ? 1 : 0;
            trafficClass.Value = (int)key.Class;
            count.Value = n;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Recounts the rollups from the stored attempts (after a bulk load such as the demo world).</summary>
    public static Task RebuildAsync(PortalDbContext db, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlRawAsync("""
            DELETE FROM AttemptRollups;
            INSERT INTO AttemptRollups (HourUtc, SourceIp, ProviderId, Outcome, Reason, IpBlock, TrafficClass, Count)
            SELECT strftime('%Y-%m-%d %H:00:00', a.AttemptedAtUtc), i.Address, a.ProviderId, a.Outcome, coalesce(a.Reason, ''), a.IpBlock, a.TrafficClass, count(*)
            FROM DeliveryAttempts a JOIN SendingIps i ON i.Id = a.SendingIpId
            GROUP BY 1, 2, 3, 4, 5, 6, 7;
            """, cancellationToken);
}

using System.Diagnostics;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace PrPortal.Data;

/// <summary>Section "Database".</summary>
public sealed record DatabaseOptions : Hosting.IValidatedOptions
{
    /// <summary>How long SQLite's quick_check may run at start-up and in each periodic check before it is stopped.</summary>
    public double IntegrityCheckSeconds { get; init; } = 10;
    /// <summary>How often a running portal checks its database again (0 turns the periodic check off).</summary>
    public double IntegrityCheckEveryMinutes { get; init; } = 10;

    public IEnumerable<(string Key, string Problem)> Validate()
    {
        if (IntegrityCheckSeconds is <= 0 or > 3600 || double.IsNaN(IntegrityCheckSeconds))
        {
            yield return ("IntegrityCheckSeconds", $"must be more than 0 and at most 3600 (is {IntegrityCheckSeconds})");
        }
        if (IntegrityCheckEveryMinutes is < 0 or > 10080 || double.IsNaN(IntegrityCheckEveryMinutes))
        {
            yield return ("IntegrityCheckEveryMinutes", $"must be 0 to 10080 (is {IntegrityCheckEveryMinutes})");
        }
    }
}

public enum IntegrityState
{
    Unknown,
    Ok,
    /// <summary>The check ran out of its time budget before the end of the file: what it read was sound.</summary>
    Unfinished,
    Damaged,
}

public sealed record IntegrityResult(IntegrityState State, string Detail, DateTime AtUtc, double Seconds);

/// <summary>
/// Whether the database file is sound, as SQLite's quick_check (every page's b-tree structure, without
/// the index-to-table cross check of integrity_check) says, within a time budget; and whether any
/// statement the portal ran failed because the file is damaged (SQLITE_CORRUPT, SQLITE_NOTADB), seen by
/// <see cref="CorruptionInterceptor"/>. The health check reports the latest of both.
/// </summary>
public sealed class DatabaseIntegrity(DatabaseOptions options, TimeProvider clock)
{
    private volatile IntegrityResult _last = new(IntegrityState.Unknown, "not checked yet", DateTime.MinValue, 0);

    public IntegrityResult Last => _last;

    /// <summary>A statement failed on a damaged page: the portal is unhealthy until the file is restored.</summary>
    public void ReportDamage(string detail) =>
        _last = new IntegrityResult(IntegrityState.Damaged, detail, clock.GetUtcNow().UtcDateTime, 0);

    /// <summary>Runs quick_check on its own connection, stopped (sqlite3_interrupt) when the budget is spent.</summary>
    public async Task<IntegrityResult> CheckAsync(string connectionString, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var builder = new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        IntegrityResult result;
        await using (var connection = new SqliteConnection(builder.ToString()))
        {
            await connection.OpenAsync(cancellationToken);
            using var command = connection.CreateCommand();
            // The first ten problems are plenty to say what is wrong.
            command.CommandText = "PRAGMA quick_check(10);";
            var interrupted = false;
            await using var budget = new Timer(_ =>
            {
                interrupted = true;
                SQLitePCL.raw.sqlite3_interrupt(connection.Handle);
            }, null, TimeSpan.FromSeconds(options.IntegrityCheckSeconds), Timeout.InfiniteTimeSpan);
            try
            {
                var lines = new List<string>();
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        // One problem may span lines; each is said on one.
                        lines.AddRange(reader.GetString(0).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    }
                }
                result = lines is ["ok"]
                    ? new IntegrityResult(IntegrityState.Ok, "quick_check: ok", clock.GetUtcNow().UtcDateTime, watch.Elapsed.TotalSeconds)
                    : new IntegrityResult(IntegrityState.Damaged,
                        $"quick_check: {string.Join("; ", lines.Take(2))}{(lines.Count > 2 ? $"; {lines.Count - 2} more" : "")}", clock.GetUtcNow().UtcDateTime, watch.Elapsed.TotalSeconds);
            }
            catch (SqliteException e) when (e.SqliteErrorCode == 9 && interrupted)
            {
                result = new IntegrityResult(IntegrityState.Unfinished,
                    $"quick_check stopped after its budget of {options.IntegrityCheckSeconds:0.#} s (Database:IntegrityCheckSeconds); the part read was sound",
                    clock.GetUtcNow().UtcDateTime, watch.Elapsed.TotalSeconds);
            }
            catch (SqliteException e) when (e.SqliteErrorCode is 11 or 26)
            {
                result = new IntegrityResult(IntegrityState.Damaged, $"quick_check: {e.Message}", clock.GetUtcNow().UtcDateTime, watch.Elapsed.TotalSeconds);
            }
        }
        // Damage a statement saw stays reported even when a later check cannot see it.
        if (_last.State != IntegrityState.Damaged || result.State == IntegrityState.Damaged)
        {
            _last = result;
        }
        return result;
    }
}

/// <summary>Every failed statement of the portal's contexts: one that met a damaged file marks the database damaged.</summary>
public sealed class CorruptionInterceptor(DatabaseIntegrity integrity) : DbCommandInterceptor
{
    public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) => See(eventData.Exception);

    public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        See(eventData.Exception);
        return Task.CompletedTask;
    }

    private void See(Exception exception)
    {
        if (exception is SqliteException { SqliteErrorCode: 11 or 26 } damaged)
        {
            integrity.ReportDamage(damaged.Message);
        }
    }
}

/// <summary>Checks the database again every <see cref="DatabaseOptions.IntegrityCheckEveryMinutes"/> while the portal runs.</summary>
public sealed class DatabaseIntegrityMonitor(DatabaseIntegrity integrity, DatabaseOptions options, IDbContextFactory<PortalDbContext> factory,
    TimeProvider clock, ILogger<DatabaseIntegrityMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.IntegrityCheckEveryMinutes <= 0)
        {
            return;
        }
        string connectionString;
        await using (var db = await factory.CreateDbContextAsync(stoppingToken))
        {
            connectionString = db.Database.GetDbConnection().ConnectionString;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMinutes(options.IntegrityCheckEveryMinutes), clock, stoppingToken);
                var result = await integrity.CheckAsync(connectionString, stoppingToken);
                if (result.State == IntegrityState.Damaged)
                {
                    logger.LogCritical("The database file is damaged: {Detail}. Restore it from a backup.", result.Detail);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (SqliteException e) when (e.SqliteErrorCode is 11 or 26)
            {
                integrity.ReportDamage(e.Message);
                logger.LogCritical("The database file is damaged: {Detail}. Restore it from a backup.", e.Message);
            }
            catch (Exception e) when (e is SqliteException or IOException or InvalidOperationException)
            {
                // A check that cannot run (the file busy, say) tries again next time; it never stops the portal.
                logger.LogWarning(e, "Database integrity check could not run; it is tried again in {Minutes} minutes", options.IntegrityCheckEveryMinutes);
            }
        }
    }
}

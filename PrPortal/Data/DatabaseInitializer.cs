using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using PrPortal.Hosting;

namespace PrPortal.Data;

/// <summary>
/// Brings the database file to the current schema before anything else touches it. A file that is not
/// SQLite, is damaged or cannot be written stops start-up with one line; the file is never replaced.
/// </summary>
public sealed class DatabaseInitializer(IDbContextFactory<PortalDbContext> factory, DatabaseIntegrity integrity, ILogger<DatabaseInitializer> logger)
{
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var path = db.Database.GetDbConnection().DataSource;
        try
        {
            if (path is { Length: > 0 } && path != ":memory:")
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            }

            await db.Database.OpenConnectionAsync(cancellationToken);
            // Reading the schema fails fast on a file that is not a database; a write probe on one
            // that cannot be written, before any migration starts.
            await db.Database.ExecuteSqlRawAsync("SELECT count(*) FROM sqlite_master;", cancellationToken);
            // Damaged pages stop start-up (and every verb) before anything writes to the file.
            if (path is { Length: > 0 } && path != ":memory:" && new FileInfo(path) is { Exists: true, Length: > 0 })
            {
                var check = await integrity.CheckAsync(db.Database.GetDbConnection().ConnectionString, cancellationToken);
                if (check.State == IntegrityState.Damaged)
                {
                    throw new StartupException(
                        $"Database file '{path}' is damaged ({check.Detail}); it was left unchanged. Restore it from a backup or set ConnectionStrings:Portal to another file.", 3);
                }
                if (check.State == IntegrityState.Unfinished)
                {
                    logger.LogWarning("Database file '{Path}': {Detail}; the periodic check goes on while the portal runs", path, check.Detail);
                }
            }
            var userVersion = await db.Database.SqlQueryRaw<long>("SELECT user_version AS Value FROM pragma_user_version").SingleAsync(cancellationToken);
            // Rewriting the header's own value inside a rolled-back transaction changes nothing but
            // fails at once on a file that cannot be written.
            var probe = "BEGIN IMMEDIATE; PRAGMA user_version = " + userVersion.ToString(CultureInfo.InvariantCulture) + "; ROLLBACK;";
            await db.Database.ExecuteSqlRawAsync(probe, cancellationToken);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);

            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            if (pending.Count > 0)
            {
                logger.LogInformation("Applying {Count} migrations to {Path}", pending.Count, path);
                await db.Database.MigrateAsync(cancellationToken);
            }
        }
        catch (SqliteException e)
        {
            throw Explain(e, path);
        }
        catch (IOException e)
        {
            throw new StartupException($"Database file '{path}' cannot be created: {e.Message}", 3, e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StartupException($"Database file '{path}' cannot be created: {e.Message}", 3, e);
        }
    }

    public string DatabasePath()
    {
        using var db = factory.CreateDbContext();
        return db.Database.GetDbConnection().DataSource;
    }

    public static StartupException Explain(SqliteException e, string? path) => e.SqliteErrorCode switch
    {
        26 or 11 => new StartupException(
            $"Database file '{path}' is not a valid SQLite database or is damaged (SQLite error {e.SqliteErrorCode}); it was left unchanged. Restore it from a backup or set ConnectionStrings:Portal to another file.", 3, e),
        8 => new StartupException(
            $"Database file '{path}' is read-only (SQLite error 8); the portal needs to write to it. Fix its permissions or mount, or set ConnectionStrings:Portal to a writable file.", 3, e),
        14 => new StartupException(
            $"Database file '{path}' cannot be opened (SQLite error 14): check that its folder exists and is writable.", 3, e),
        _ => new StartupException($"Database file '{path}' failed: {e.Message}", 3, e),
    };
}

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PrPortal.Data;

namespace PrPortal.Features.Health;

/// <summary>
/// Healthy when the database answers a real read and was last found sound: a statement that met a
/// damaged page, or a periodic quick_check that found one, makes it unhealthy; pending migrations degrade it.
/// </summary>
public sealed class DatabaseHealthCheck(IDbContextFactory<PortalDbContext> factory, DatabaseIntegrity integrity) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (integrity.Last is { State: IntegrityState.Damaged } damaged)
        {
            return HealthCheckResult.Unhealthy($"database damaged: {damaged.Detail}");
        }
        try
        {
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            // Reads through the schema and the newest rows of the busiest tables, not only "can connect".
            await db.Database.ExecuteSqlRawAsync("SELECT count(*) FROM sqlite_master;", cancellationToken);
            await db.DeliveryAttempts.AsNoTracking().OrderByDescending(a => a.Id).Take(20).Select(a => a.Id).ToListAsync(cancellationToken);
            await db.Deliveries.AsNoTracking().OrderByDescending(d => d.Id).Take(20).Select(d => d.Status).ToListAsync(cancellationToken);
            var pending = await db.Database.GetPendingMigrationsAsync(cancellationToken);
            return pending.Any()
                ? HealthCheckResult.Degraded("pending migrations")
                : HealthCheckResult.Healthy(integrity.Last.State == IntegrityState.Unfinished ? "ok; " + integrity.Last.Detail : "ok");
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy(e.Message);
        }
    }
}
